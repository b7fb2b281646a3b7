package dev.skiff.agent.kuberuntime;

import dev.skiff.agent.cri.RemoteRuntime;
import dev.skiff.agent.cri.v1.ContainerConfig;
import dev.skiff.agent.cri.v1.ContainerStatusRequest;
import dev.skiff.agent.cri.v1.CreateContainerRequest;
import dev.skiff.agent.cri.v1.ExecSyncRequest;
import dev.skiff.agent.cri.v1.ExecSyncResponse;
import dev.skiff.agent.cri.v1.ImageSpec;
import dev.skiff.agent.cri.v1.ImageStatusRequest;
import dev.skiff.agent.cri.v1.PodSandboxConfig;
import dev.skiff.agent.cri.v1.PodSandboxStatusRequest;
import dev.skiff.agent.cri.v1.PullImageRequest;
import dev.skiff.agent.cri.v1.RemoveContainerRequest;
import dev.skiff.agent.cri.v1.RemovePodSandboxRequest;
import dev.skiff.agent.cri.v1.RunPodSandboxRequest;
import dev.skiff.agent.cri.v1.StartContainerRequest;
import dev.skiff.agent.cri.v1.StopContainerRequest;
import dev.skiff.agent.cri.v1.StopPodSandboxRequest;
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
 * Init containers, restarts, probes and volumes belong to the sync loop and come with it.
 */
public final class KubeRuntimeManager {
    private static final Logger LOG = LoggerFactory.getLogger(KubeRuntimeManager.class);

    private final RemoteRuntime cri;
    private final Path podLogsRoot;

    /**
     * @param podLogsRoot where pod log directories go (the kubelet's /var/log/pods)
     */
    public KubeRuntimeManager(RemoteRuntime cri, Path podLogsRoot) {
        this.cri = cri;
        this.podLogsRoot = podLogsRoot;
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
        PodSandboxConfig sandboxConfig = SandboxConfigs.forPod(pod, podLogsRoot, 0);
        Files.createDirectories(Path.of(sandboxConfig.getLogDirectory()));
        for (Container container : pod.getSpec().getContainers()) {
            ensureImage(ImageSpec.newBuilder().setImage(container.getImage()).build(), sandboxConfig);
        }
        String sandboxId = cri.runtime(Duration.ofMinutes(2))
                .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandboxConfig).build()).getPodSandboxId();
        Map<String, String> containerIds = new LinkedHashMap<>();
        try {
            String podIp = cri.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandboxId).build())
                    .getStatus().getNetwork().getIp();
            Pod ready = prepare.apply(pod, podIp);
            List<ContainerConfig> containerConfigs = new ArrayList<>();
            for (Container container : ready.getSpec().getContainers()) {
                containerConfigs.add(ContainerConfigs.forContainer(ready, container, 0)); // rejects bad specs before any container runs
            }
            for (ContainerConfig config : containerConfigs) {
                Files.createDirectories(Path.of(sandboxConfig.getLogDirectory()).resolve(config.getLogPath()).getParent());
                String id = cri.runtime().createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(sandboxId).setConfig(config).setSandboxConfig(sandboxConfig).build()).getContainerId();
                containerIds.put(config.getMetadata().getName(), id);
                cri.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            }
            LOG.info("pod started pod={}/{} sandbox={} ip={} containers={}", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), sandboxId, podIp, containerIds.keySet());
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
     * kubelet's restart of an exited container); the previous attempt, exited, is removed. Returns
     * the pod with the new container in place.
     */
    public RunningPod restartContainer(RunningPod pod, Pod spec, Container container, int attempt) throws IOException {
        ContainerConfig config = ContainerConfigs.forContainer(spec, container, attempt);
        Files.createDirectories(Path.of(pod.sandboxConfig().getLogDirectory()).resolve(config.getLogPath()).getParent());
        String id = cri.runtime().createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(pod.sandboxId()).setConfig(config).setSandboxConfig(pod.sandboxConfig()).build()).getContainerId();
        cri.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        String previous = pod.containerIds().get(container.getName());
        if (previous != null) {
            cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(previous).build());
        }
        Map<String, String> ids = new LinkedHashMap<>(pod.containerIds());
        ids.put(container.getName(), id);
        LOG.info("container restarted pod={}/{} container={} attempt={}", spec.getMetadata().getNamespace(), spec.getMetadata().getName(),
                container.getName(), attempt);
        return new RunningPod(pod.sandboxId(), pod.podIp(), pod.sandboxConfig(), ids);
    }

    /** The image must be on the node; a missing one is pulled (which needs a reachable registry). */
    private void ensureImage(ImageSpec image, PodSandboxConfig sandboxConfig) {
        boolean present = cri.images().imageStatus(ImageStatusRequest.newBuilder().setImage(image).build()).hasImage();
        if (!present) {
            LOG.info("pulling image={}", image.getImage());
            cri.images().withDeadlineAfter(10, java.util.concurrent.TimeUnit.MINUTES)
                    .pullImage(PullImageRequest.newBuilder().setImage(image).setSandboxConfig(sandboxConfig).build());
        }
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
        return cri.runtime(timeout.plusSeconds(10)).execSync(ExecSyncRequest.newBuilder()
                .setContainerId(id).addAllCmd(command).setTimeout(timeout.toSeconds()).build());
    }

    /**
     * Stops the containers (SIGTERM, SIGKILL after the grace period), then the sandbox, which
     * tears down its network, then removes them all. Safe to repeat: the runtime treats stop
     * and remove of what is already gone as success.
     */
    public void killPod(RunningPod pod, Duration gracePeriod) {
        for (String id : pod.containerIds().values()) {
            cri.runtime(gracePeriod.plusSeconds(30))
                    .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(gracePeriod.toSeconds()).build());
        }
        cri.runtime(Duration.ofMinutes(1)).stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.sandboxId()).build());
        for (String id : pod.containerIds().values()) {
            cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        }
        cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.sandboxId()).build());
        LOG.info("pod killed sandbox={} containers={}", pod.sandboxId(), pod.containerIds().keySet());
    }
}
