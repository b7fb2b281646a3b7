package dev.skiff.agent.kuberuntime;

import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.cri.v1.ContainerConfig;
import dev.skiff.agent.cri.v1.ContainerStatusRequest;
import dev.skiff.agent.cri.v1.CreateContainerRequest;
import dev.skiff.agent.cri.v1.ExecSyncRequest;
import dev.skiff.agent.cri.v1.ExecSyncResponse;
import dev.skiff.agent.cri.v1.ListContainersRequest;
import dev.skiff.agent.cri.v1.ListPodSandboxRequest;
import dev.skiff.agent.cri.v1.Mount;
import dev.skiff.agent.cri.v1.PodSandboxConfig;
import dev.skiff.agent.cri.v1.PodSandboxState;
import dev.skiff.agent.cri.v1.PodSandboxStatusRequest;
import dev.skiff.agent.cri.v1.RemoveContainerRequest;
import dev.skiff.agent.cri.v1.RemovePodSandboxRequest;
import dev.skiff.agent.cri.v1.RunPodSandboxRequest;
import dev.skiff.agent.cri.v1.StartContainerRequest;
import dev.skiff.agent.cri.v1.StopContainerRequest;
import dev.skiff.agent.cri.v1.StopPodSandboxRequest;
import dev.skiff.agent.kubelet.events.ContainerEvents;
import dev.skiff.agent.kubelet.images.ImageManager;
import dev.skiff.agent.kubelet.images.PullSecrets;
import dev.skiff.agent.kubelet.lifecycle.HandlerRunner;
import dev.skiff.agent.kubelet.pleg.GenericPleg;
import dev.skiff.agent.probe.exec.ExecProber;
import dev.skiff.client.record.EventRecorder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs pods on a CRI runtime (upstream: kuberuntime's kubeGenericRuntimeManager). The sync loop
 * drives it with a fabric8 {@link Pod}: {@link #runPod} starts the sandbox (network namespace,
 * pod IP from CNI) and the containers in spec order, {@link #containerStatuses} reports them
 * as the API's ContainerStatus, {@link #killPod} stops and removes all of it, network included.
 * A pod with init containers starts with the first of them only; the sync loop starts the next
 * ones, and then the app containers, with {@link #restartContainer} as each finishes. Volumes are
 * the volume manager's: its mounts come in through {@link #withMounts}.
 * Images are pulled as the containers' imagePullPolicy says, with the pod's imagePullSecrets ({@link ImageManager}).
 * Lifecycle hooks run here, as in upstream's startContainer/killContainer: postStart right after a
 * container starts, preStop before it is stopped. Restarts, probes and volumes belong to the sync loop.
 */
public final class KubeRuntimeManager {
    private static final Logger LOG = LoggerFactory.getLogger(KubeRuntimeManager.class);

    /** How long a postStart hook may take (upstream waits without bound; a hung hook would hold the pod's sync forever). */
    static final Duration POST_START_TIMEOUT = Duration.ofMinutes(2);
    /** Upstream's minimumGracePeriodInSeconds: what a container gets to stop after its preStop hook, at least. */
    static final Duration MINIMUM_GRACE_PERIOD = Duration.ofSeconds(2);

    private final RemoteRuntime cri;
    private final Path podLogsRoot;
    private final dev.skiff.agent.kubelet.network.dns.Configurer dns;
    private final ContainerMounts mounts;
    private final ImageManager images;

    /** The CRI mounts of a container of a pod (upstream: the kubelet's makeMounts over the volume manager's volumes). */
    @FunctionalInterface
    public interface ContainerMounts {
        List<Mount> mounts(Pod pod, Container container);
    }
    private final ContainerEvents events;
    private final HandlerRunner hooks;

    /**
     * @param podLogsRoot where pod log directories go (the kubelet's /var/log/pods)
     */
    public KubeRuntimeManager(RemoteRuntime cri, Path podLogsRoot) {
        this(cri, podLogsRoot, dev.skiff.agent.kubelet.network.dns.Configurer.hostOnly());
    }

    /** As {@link #KubeRuntimeManager(RemoteRuntime, Path)}, pods' resolv.conf formed by {@code dns}. */
    public KubeRuntimeManager(RemoteRuntime cri, Path podLogsRoot, dev.skiff.agent.kubelet.network.dns.Configurer dns) {
        this(cri, podLogsRoot, dns, ContainerEvents.logged());
    }

    /** @param events where the container events (Killing, FailedPostStartHook, FailedPreStopHook) go */
    public KubeRuntimeManager(RemoteRuntime cri, Path podLogsRoot, ContainerEvents events) {
        this(cri, podLogsRoot, dev.skiff.agent.kubelet.network.dns.Configurer.hostOnly(), events);
    }

    /** Pods' resolv.conf formed by {@code dns}, container events to {@code events}. */
    public KubeRuntimeManager(RemoteRuntime cri, Path podLogsRoot, dev.skiff.agent.kubelet.network.dns.Configurer dns,
                              ContainerEvents events) {
        this(cri, podLogsRoot, dns, events, (pod, container) -> List.of(),
                new ImageManager(cri, events, PullSecrets.none(), java.time.Clock.systemUTC()));
    }

    private KubeRuntimeManager(RemoteRuntime cri, Path podLogsRoot, dev.skiff.agent.kubelet.network.dns.Configurer dns,
                               ContainerEvents events, ContainerMounts mounts, ImageManager images) {
        this.cri = cri;
        this.images = images;
        this.podLogsRoot = podLogsRoot;
        this.dns = dns;
        this.events = events;
        this.hooks = new HandlerRunner(this::exec);
        this.mounts = mounts;
    }

    /** This runtime with containers getting their volume mounts from {@code mounts}. */
    /** The runtime's CRI client, for the stats provider. */
    public RemoteRuntime cri() {
        return cri;
    }

    public KubeRuntimeManager withMounts(ContainerMounts mounts) {
        return new KubeRuntimeManager(cri, podLogsRoot, dns, events, mounts, images);
    }

    /** This runtime with image pulls using the pods' imagePullSecrets from {@code secrets}. */
    public KubeRuntimeManager withPullSecrets(PullSecrets secrets) {
        return new KubeRuntimeManager(cri, podLogsRoot, dns, events, mounts, images.withPullSecrets(secrets));
    }

    /** This manager pulling with a registries file's rewrites. */
    public KubeRuntimeManager withRewrites(dev.skiff.agent.containerd.registries.Rewrites rewrites) {
        return new KubeRuntimeManager(cri, podLogsRoot, dns, events, mounts, images.withRewrites(rewrites));
    }

    /** Forgets what the runtime keeps about a pod that is gone (its image pull back-offs). */
    public void forgetPod(String uid) {
        images.forgetPod(uid);
    }

    /** What a new sandbox starts with (upstream's computePodActions): the first init container if any, else all containers. */
    static List<Container> firstContainers(Pod pod) {
        var init = pod.getSpec().getInitContainers();
        return init == null || init.isEmpty() ? pod.getSpec().getContainers() : List.of(init.getFirst());
    }

    /**
     * Creates the pod's sandbox and starts its containers in order. On any failure what was
     * created is stopped and removed again before the error propagates, so nothing of a pod
     * that failed to start stays on the node.
     */
    public RunningPod runPod(Pod pod) throws IOException {
        return runPod(pod, (p, ip) -> p);
    }

    /**
     * As {@link #runPod(Pod)}, with {@code prepare} turning the pod into what its containers are made
     * from once the sandbox has its IP (the kubelet resolves env valueFrom then, status.podIP included).
     */
    public RunningPod runPod(Pod pod, java.util.function.BiFunction<Pod, String, Pod> prepare) throws IOException {
        long begun = System.nanoTime();
        PodSandboxConfig sandboxConfig = SandboxConfigs.forPod(pod, podLogsRoot, 0, dns.podDns(pod));
        Files.createDirectories(Path.of(sandboxConfig.getLogDirectory()));
        for (Container container : firstContainers(pod)) {
            images.ensureImageExists(pod, container, sandboxConfig);
        }
        String sandboxId = cri.runtime(Duration.ofMinutes(2))
                .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandboxConfig).build()).getPodSandboxId();
        long sandboxReady = System.nanoTime();
        Map<String, String> containerIds = new LinkedHashMap<>();
        try {
            String podIp = cri.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandboxId).build())
                    .getStatus().getNetwork().getIp();
            Pod ready = prepare.apply(pod, podIp);
            List<ContainerConfig> containerConfigs = new ArrayList<>();
            for (Container container : firstContainers(ready)) {
                // rejects bad specs before any container runs
                containerConfigs.add(ContainerConfigs.forContainer(ready, container, 0, mounts.mounts(ready, container)));
            }
            for (int i = 0; i < containerConfigs.size(); i++) {
                ContainerConfig config = containerConfigs.get(i);
                Files.createDirectories(Path.of(sandboxConfig.getLogDirectory()).resolve(config.getLogPath()).getParent());
                String id = cri.runtime().createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(sandboxId).setConfig(config).setSandboxConfig(sandboxConfig).build()).getContainerId();
                containerIds.put(config.getMetadata().getName(), id);
                cri.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
                runPostStart(ready, ready.getSpec().getContainers().get(i), id, podIp);
            }
            long done = System.nanoTime();
            LOG.info("pod started pod={}/{} sandbox={} ip={} containers={} sandbox-ms={} containers-ms={}", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), sandboxId, podIp, containerIds.keySet(), (sandboxReady - begun) / 1_000_000,
                    (done - sandboxReady) / 1_000_000);
            return new RunningPod(sandboxId, podIp, sandboxConfig, containerIds);
        } catch (RuntimeException | IOException e) {
            LOG.warn("pod failed to start pod={}/{} sandbox={}: {}; removing what was created", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), sandboxId, e.toString());
            killPod(new RunningPod(sandboxId, "", sandboxConfig, containerIds), Duration.ZERO);
            throw e;
        }
    }

    /**
     * Starts attempt {@code attempt} of a container of a running pod in its sandbox (upstream: the
     * kubelet's restart of an exited container, or the start of the next init container or of the
     * app containers); the previous attempt, exited, is removed. Returns the pod with the new
     * container in place.
     */
    public RunningPod restartContainer(RunningPod pod, Pod spec, Container container, int attempt) throws IOException {
        ContainerConfig config = ContainerConfigs.forContainer(spec, container, attempt, mounts.mounts(spec, container));
        images.ensureImageExists(spec, container, pod.sandboxConfig());
        Files.createDirectories(Path.of(pod.sandboxConfig().getLogDirectory()).resolve(config.getLogPath()).getParent());
        String id = cri.runtime().createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(pod.sandboxId()).setConfig(config).setSandboxConfig(pod.sandboxConfig()).build()).getContainerId();
        cri.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        runPostStart(spec, container, id, pod.podIp());
        String previous = pod.containerIds().get(container.getName());
        if (previous != null) {
            cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(previous).build());
        }
        Map<String, String> ids = new LinkedHashMap<>(pod.containerIds());
        ids.put(container.getName(), id);
        LOG.info("container started pod={}/{} container={} attempt={}", spec.getMetadata().getNamespace(), spec.getMetadata().getName(),
                container.getName(), attempt);
        return new RunningPod(pod.sandboxId(), pod.podIp(), pod.sandboxConfig(), ids);
    }

    /**
     * The end of upstream's startContainer: the container's postStart hook, if any, before the next
     * container starts. When it fails the container is killed (Warning FailedPostStartHook "PostStartHook
     * failed" - the hook's output stays out of events, as upstream - then Killing "FailedPostStartHook")
     * and the restart policy takes it from there.
     */
    private void runPostStart(Pod pod, Container container, String id, String podIp) {
        if (container.getLifecycle() == null || container.getLifecycle().getPostStart() == null) {
            return;
        }
        String failure = hooks.run(id, pod, podIp, container, container.getLifecycle().getPostStart(), POST_START_TIMEOUT);
        if (failure == null) {
            return;
        }
        LOG.warn("postStart hook failed pod={}/{} container={}: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                container.getName(), failure);
        events.event(pod, container.getName(), EventRecorder.WARNING, ContainerEvents.FAILED_POST_START_HOOK, "PostStartHook failed");
        killContainer(pod, container, id, podIp, terminationGracePeriod(pod), "FailedPostStartHook");
    }

    /**
     * Kills a running container of a running pod (upstream: killContainer), e.g. after a failed liveness
     * probe: Normal event Killing with {@code message}, the preStop hook within the grace period, then
     * SIGTERM and SIGKILL after what is left of it (at least 2 s). The container stays, exited, for the
     * sync loop to restart.
     */
    public void killContainer(RunningPod pod, Pod spec, Container container, Duration gracePeriod, String message) {
        String id = pod.containerIds().get(container.getName());
        if (id == null) {
            throw new IllegalArgumentException("pod has no container " + container.getName());
        }
        killContainer(spec, container, id, pod.podIp(), gracePeriod, message);
    }

    private void killContainer(Pod pod, Container container, String id, String podIp, Duration gracePeriod, String message) {
        events.event(pod, container.getName(), EventRecorder.NORMAL, ContainerEvents.KILLING,
                message != null ? message : "Stopping container " + container.getName());
        long graceSeconds = gracePeriod.toSeconds();
        if (container.getLifecycle() != null && container.getLifecycle().getPreStop() != null && graceSeconds > 0) {
            long start = System.nanoTime();
            String failure = hooks.run(id, pod, podIp, container, container.getLifecycle().getPreStop(), gracePeriod);
            if (failure != null) {
                events.event(pod, container.getName(), EventRecorder.WARNING, ContainerEvents.FAILED_PRE_STOP_HOOK, failure);
            }
            graceSeconds -= Duration.ofNanos(System.nanoTime() - start).toSeconds();
        }
        graceSeconds = Math.max(graceSeconds, MINIMUM_GRACE_PERIOD.toSeconds());
        cri.runtime(Duration.ofSeconds(graceSeconds).plusSeconds(30))
                .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(graceSeconds).build());
    }

    /** The pod's terminationGracePeriodSeconds, 30 s when unset (the API default). */
    static Duration terminationGracePeriod(Pod pod) {
        Long seconds = pod.getSpec().getTerminationGracePeriodSeconds();
        return Duration.ofSeconds(seconds == null ? 30 : seconds);
    }

    private boolean running(String containerId) {
        return cri.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build()).getStatus().getState()
                == dev.skiff.agent.cri.v1.ContainerState.CONTAINER_RUNNING;
    }

    /** The status of one of the pod's containers. */
    public ContainerStatus containerStatus(RunningPod pod, String containerName) {
        String id = pod.containerIds().get(containerName);
        if (id == null) {
            throw new IllegalArgumentException("pod has no container " + containerName);
        }
        return ContainerStatuses.toKubernetes(cri.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus());
    }

    /**
     * Every sandbox and container the runtime has, with the pod it belongs to and its state, from one ListPodSandbox and one
     * ListContainers call (upstream's GetPods as the PLEG relists it); created-but-not-started counts as unknown, as upstream.
     */
    public List<GenericPleg.RuntimeContainer> runtimeContainers() {
        List<GenericPleg.RuntimeContainer> out = new ArrayList<>();
        for (var sandbox : cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            String uid = sandbox.getLabelsOrDefault(Labels.POD_UID, sandbox.getMetadata().getUid());
            out.add(new GenericPleg.RuntimeContainer(uid, sandbox.getId(),
                    sandbox.getState() == PodSandboxState.SANDBOX_READY
                            ? GenericPleg.State.RUNNING : GenericPleg.State.EXITED));
        }
        for (var container : cri.runtime().listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersList()) {
            var state = switch (container.getState()) {
                case CONTAINER_RUNNING -> GenericPleg.State.RUNNING;
                case CONTAINER_EXITED -> GenericPleg.State.EXITED;
                default -> GenericPleg.State.UNKNOWN;
            };
            out.add(new GenericPleg.RuntimeContainer(container.getLabelsOrDefault(Labels.POD_UID, ""),
                    container.getId(), state));
        }
        return out;
    }

    /**
     * The pod as the runtime already runs it - its newest ready sandbox and the newest attempt of each container in it - so
     * an agent started again takes over what the one before started instead of starting it twice (upstream's kubelet
     * always reads pods back from the runtime). Empty when no ready sandbox of the pod's UID exists.
     */
    public java.util.Optional<RunningPod> existingPod(Pod pod) throws IOException {
        var ready = dev.skiff.agent.cri.v1.PodSandboxFilter.newBuilder().putLabelSelector(Labels.POD_UID, pod.getMetadata().getUid())
                .setState(dev.skiff.agent.cri.v1.PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY));
        var sandbox = cri.runtime().listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(ready).build()).getItemsList().stream()
                .max(java.util.Comparator.comparingLong(dev.skiff.agent.cri.v1.PodSandbox::getCreatedAt));
        if (sandbox.isEmpty()) {
            return java.util.Optional.empty();
        }
        String sandboxId = sandbox.get().getId();
        String podIp = cri.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandboxId).build())
                .getStatus().getNetwork().getIp();
        PodSandboxConfig config = SandboxConfigs.forPod(pod, podLogsRoot, sandbox.get().getMetadata().getAttempt(), dns.podDns(pod));
        Map<String, dev.skiff.agent.cri.v1.Container> newest = new LinkedHashMap<>();
        var inSandbox = dev.skiff.agent.cri.v1.ContainerFilter.newBuilder().setPodSandboxId(sandboxId);
        for (var c : cri.runtime().listContainers(ListContainersRequest.newBuilder().setFilter(inSandbox).build()).getContainersList()) {
            newest.merge(c.getMetadata().getName(), c, (a, b) -> a.getMetadata().getAttempt() >= b.getMetadata().getAttempt() ? a : b);
        }
        Map<String, String> ids = new LinkedHashMap<>();
        newest.forEach((name, c) -> ids.put(name, c.getId()));
        return java.util.Optional.of(new RunningPod(sandboxId, podIp, config, ids));
    }

    /** The UIDs of the pods the runtime has sandboxes of, ready or not. */
    public java.util.Set<String> runtimePodUids() {
        java.util.Set<String> uids = new java.util.HashSet<>();
        for (var sandbox : cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            uids.add(sandbox.getLabelsOrDefault(Labels.POD_UID, sandbox.getMetadata().getUid()));
        }
        return uids;
    }

    /**
     * Stops and removes every sandbox of the pod with this UID, with their containers: a pod this agent never ran but the
     * runtime has, e.g. one deleted while the agent was down (upstream's HandlePodCleanups kills such orphaned pods).
     */
    public void killPods(String podUid, Duration gracePeriod) {
        var ofPod = dev.skiff.agent.cri.v1.PodSandboxFilter.newBuilder().putLabelSelector(Labels.POD_UID, podUid);
        for (var sandbox : cri.runtime().listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(ofPod).build()).getItemsList()) {
            var inSandbox = dev.skiff.agent.cri.v1.ContainerFilter.newBuilder().setPodSandboxId(sandbox.getId());
            Map<String, String> ids = new LinkedHashMap<>();
            for (var c : cri.runtime().listContainers(ListContainersRequest.newBuilder().setFilter(inSandbox).build()).getContainersList()) {
                ids.put(c.getId(), c.getId());
            }
            killPod(new RunningPod(sandbox.getId(), "", null, ids), gracePeriod);
        }
    }

    /** Where this runtime's container events go; the kubelet records its pod events there too. */
    public ContainerEvents events() {
        return events;
    }

    /** The pod's containers as the API reports them, in the order they were started. */
    public List<ContainerStatus> containerStatuses(RunningPod pod) {
        List<ContainerStatus> statuses = new ArrayList<>();
        for (String id : pod.containerIds().values()) {
            statuses.add(ContainerStatuses.toKubernetes(cri.runtime()
                    .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus()));
        }
        return statuses;
    }

    /** The log file of a container of the pod (CRI format, see {@link dev.skiff.agent.kuberuntime.logs.CriLogReader}). */
    public Path logFile(RunningPod pod, String containerName) {
        return logFile(pod, containerName, 0);
    }

    /** The log file of attempt {@code attempt} (the restart count it started with) of a container of the pod. */
    public Path logFile(RunningPod pod, String containerName, int attempt) {
        return Path.of(pod.sandboxConfig().getLogDirectory()).resolve(ContainerConfigs.logPath(containerName, attempt));
    }

    /** The runtime's view of the pod's current container of that name (its attempt, state), or null when it has none. */
    public dev.skiff.agent.cri.v1.ContainerStatus runtimeStatus(RunningPod pod, String containerName) {
        String id = pod.containerIds().get(containerName);
        return id == null ? null
                : cri.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
    }

    /**
     * The runtime's streaming URL for a command in the pod's container (upstream: the runtime's
     * GetExec); the caller proxies the client's upgrade request to it.
     */
    public String execUrl(RunningPod pod, String containerName, List<String> command, boolean tty, boolean stdin, boolean stdout,
                          boolean stderr) {
        return cri.runtime().exec(dev.skiff.agent.cri.v1.ExecRequest.newBuilder().setContainerId(containerId(pod, containerName))
                .addAllCmd(command).setTty(tty).setStdin(stdin).setStdout(stdout).setStderr(stderr).build()).getUrl();
    }

    /** The runtime's streaming URL for attaching to the pod's container's main process. */
    public String attachUrl(RunningPod pod, String containerName, boolean tty, boolean stdin, boolean stdout, boolean stderr) {
        return cri.runtime().attach(dev.skiff.agent.cri.v1.AttachRequest.newBuilder().setContainerId(containerId(pod, containerName))
                .setTty(tty).setStdin(stdin).setStdout(stdout).setStderr(stderr).build()).getUrl();
    }

    /** The runtime's streaming URL for forwarding ports into the pod's network namespace. */
    public String portForwardUrl(RunningPod pod, List<Integer> ports) {
        return cri.runtime().portForward(dev.skiff.agent.cri.v1.PortForwardRequest.newBuilder().setPodSandboxId(pod.sandboxId())
                .addAllPort(ports).build()).getUrl();
    }

    private static String containerId(RunningPod pod, String containerName) {
        String id = pod.containerIds().get(containerName);
        if (id == null) {
            throw new IllegalArgumentException("container not found (\"" + containerName + "\")");
        }
        return id;
    }

    /** Runs a command in a container and waits for it (upstream: the runtime's ExecSync, as probes use it). */
    public ExecSyncResponse execSync(RunningPod pod, String containerName, List<String> command, Duration timeout) {
        String id = containerId(pod, containerName);
        return execSync(id, command, timeout);
    }

    private ExecSyncResponse execSync(String containerId, List<String> command, Duration timeout) {
        return cri.runtime(timeout.plusSeconds(10)).execSync(ExecSyncRequest.newBuilder()
                .setContainerId(containerId).addAllCmd(command).setTimeout(timeout.toSeconds()).build());
    }

    /**
     * ExecSync by container ID as container statuses carry it ({@code containerd://} prefix or not), for
     * exec probes and hooks; stdout and stderr as text.
     */
    public ExecProber.ExecResult exec(String containerId, List<String> command, Duration timeout) {
        String id = containerId.startsWith(ContainerStatuses.CONTAINER_ID_SCHEME)
                ? containerId.substring(ContainerStatuses.CONTAINER_ID_SCHEME.length()) : containerId;
        ExecSyncResponse response = execSync(id, command, timeout);
        return new ExecProber.ExecResult(response.getExitCode(), response.getStdout().toString(java.nio.charset.StandardCharsets.UTF_8),
                response.getStderr().toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Stops one container of the pod (SIGTERM, SIGKILL after the grace period); it stays, exited, until the pod is killed. */
    public void stopContainer(RunningPod pod, String containerName, Duration gracePeriod) {
        String id = pod.containerIds().get(containerName);
        if (id != null) {
            cri.runtime(gracePeriod.plusSeconds(30))
                    .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(gracePeriod.toSeconds()).build());
        }
    }

    /**
     * Stops the containers (SIGTERM, SIGKILL after the grace period), then the sandbox, which
     * tears down its network, then removes them all. Safe to repeat: the runtime treats stop
     * and remove of what is already gone as success.
     */
    public void killPod(RunningPod pod, Duration gracePeriod) {
        killPod(pod, null, gracePeriod);
    }

    /**
     * As {@link #killPod(RunningPod, Duration)}, for the pod {@code spec} as the API has it: each running
     * container is killed as {@link #killContainer} does (Killing "Stopping container c", its preStop
     * hook, then the signals), all at once as upstream's killContainersWithSyncResult.
     */
    public void killPod(RunningPod pod, Pod spec, Duration gracePeriod) {
        if (spec == null) {
            for (String id : pod.containerIds().values()) {
                cri.runtime(gracePeriod.plusSeconds(30))
                        .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(gracePeriod.toSeconds()).build());
            }
        } else {
            try (var kills = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                List<java.util.concurrent.Future<?>> pending = new ArrayList<>();
                for (Container container : spec.getSpec().getContainers()) {
                    String id = pod.containerIds().get(container.getName());
                    if (id != null && running(id)) {
                        pending.add(kills.submit(() -> killContainer(spec, container, id, pod.podIp(), gracePeriod, null)));
                    }
                }
                for (var kill : pending) {
                    try {
                        kill.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        LOG.warn("killing a container of sandbox={} failed: {}", pod.sandboxId(), e.getCause().toString());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            for (String id : pod.containerIds().values()) { // what the above did not stop (exited already, or failed to)
                cri.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
            }
        }
        cri.runtime(Duration.ofMinutes(1)).stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.sandboxId()).build());
        for (String id : pod.containerIds().values()) {
            cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        }
        cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.sandboxId()).build());
        LOG.info("pod killed sandbox={} containers={}", pod.sandboxId(), pod.containerIds().keySet());
    }
}
