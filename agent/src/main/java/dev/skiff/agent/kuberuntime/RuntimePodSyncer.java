package dev.skiff.agent.kuberuntime;

import dev.skiff.agent.kubelet.PodSyncer;
import dev.skiff.agent.kubelet.volumemanager.VolumeManager;
import dev.skiff.agent.kubelet.volumemanager.VolumeSetUpException;
import dev.skiff.agent.kubelet.events.ContainerEvents;
import dev.skiff.agent.kubelet.prober.ProbeManager;
import dev.skiff.agent.kubelet.prober.Prober;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pods as real containers (upstream: the kubelet's SyncPod over kuberuntime): the first sync starts
 * the sandbox and the containers through {@link KubeRuntimeManager}, later syncs read the containers'
 * states back and restart exited ones as the restart policy says (Always; OnFailure after a non-zero
 * exit) after upstream's back-off, reporting CrashLoopBackOff meanwhile with the last termination in
 * lastState. Phase as upstream's getPhase: Running while a container runs or will be restarted,
 * Succeeded when every container exited 0 for good, Failed when one exited otherwise.
 * A pod that cannot start reports Pending with its containers waiting: ErrImagePull when the image
 * could not be pulled (ImagePullBackOff while its pull back-off lasts, ErrImageNeverPull), CreateContainerConfigError for a spec the runtime config rejects,
 * RunContainerError otherwise, with the error as message - and is tried again on the next sync.
 * Volumes are set up by the {@link VolumeManager} before the sandbox starts (a pod whose volume
 * cannot be set up waits in ContainerCreating); init containers run one by one before the app
 * containers ({@link #syncInitContainers}).
 * Probes run in {@link ProbeManager}'s workers: they decide each container's started and ready (so
 * ContainersReady and Ready), and a container that failed liveness or startup is killed and started
 * again at once.
 */
public final class RuntimePodSyncer implements PodSyncer {
    private static final Logger LOG = LoggerFactory.getLogger(RuntimePodSyncer.class);

    private final KubeRuntimeManager runtime;
    private final dev.skiff.agent.kubelet.envvars.EnvResolver env;
    private final VolumeManager volumes;
    private final String hostIp;
    private final Clock clock;
    private final ProbeManager probes;
    private final Map<String, RunningPod> running = new ConcurrentHashMap<>();
    private final Map<String, String> startTimes = new ConcurrentHashMap<>();
    private final Map<String, Backoff> backoffs = new ConcurrentHashMap<>();
    private final Map<String, io.fabric8.kubernetes.api.model.ContainerStateTerminated> lastTerminated = new ConcurrentHashMap<>();
    /** Pod uid/container -> why the last start of a not yet created container failed (reported as its waiting state). */
    private final Map<String, ContainerStatus> startFailures = new ConcurrentHashMap<>();
    /** Pods whose init containers have all succeeded once (upstream never goes back to initializing after that). */
    private final Set<String> initialized = ConcurrentHashMap.newKeySet();
    /** Pods whose first sync looked for them in the runtime already (an agent started again adopts what runs). */
    private final Set<String> adoptionChecked = ConcurrentHashMap.newKeySet();
    /** Pods whose app containers have all finished for good (their sidecars are stopped and stay so). */
    private final Set<String> finished = ConcurrentHashMap.newKeySet();
    /** Pods failed for running past their activeDeadlineSeconds. */
    private final Set<String> pastDeadline = ConcurrentHashMap.newKeySet();

    /** @param volumes the pods' volumes; the runtime must take container mounts from it ({@link KubeRuntimeManager#withMounts}) */
    public RuntimePodSyncer(KubeRuntimeManager runtime, dev.skiff.agent.kubelet.envvars.EnvResolver env, VolumeManager volumes, String hostIp,
                            Clock clock) {
        this(runtime, env, volumes, hostIp, clock, new ProbeManager(new Prober(runtime::exec, ContainerEvents.logged()), clock));
    }

    /** @param probes the probe manager whose workers probe this node's containers (closed with the agent) */
    public RuntimePodSyncer(KubeRuntimeManager runtime, dev.skiff.agent.kubelet.envvars.EnvResolver env, VolumeManager volumes, String hostIp,
                            Clock clock, ProbeManager probes) {
        this.runtime = runtime;
        this.env = env;
        this.volumes = volumes;
        this.hostIp = hostIp;
        this.clock = clock;
        this.probes = probes;
    }

    @Override
    public PodStatus syncPod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        // a pod that already ran keeps its start time (also when an agent started again adopts it)
        String started = startTimes.computeIfAbsent(uid, u -> pod.getStatus() != null && pod.getStatus().getStartTime() != null
                ? pod.getStatus().getStartTime() : now());
        RunningPod runningPod = running.get(uid);
        if (runningPod == null && !adoptionChecked.contains(uid)) {
            runningPod = adopt(pod);
            adoptionChecked.add(uid);
        }
        if (pastDeadline.contains(uid) || dev.skiff.agent.kubelet.ActiveDeadline.exceeded(pod, started, clock.instant())) {
            return deadlineExceeded(pod, started, runningPod);
        }
        if (!finished.contains(uid) && !mountVolumes(pod, runningPod != null)) {
            return waiting(pod, started, "ContainerCreating", null);
        }
        if (runningPod == null) {
            try {
                runningPod = runtime.runPod(pod, (p, podIp) -> env.resolve(p, podIp, hostIp));
                running.put(uid, runningPod);
                probes.addPod(pod);
            } catch (Exception e) {
                LOG.info("pod {}/{} could not start: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.toString());
                return waiting(pod, started, reason(e), message(e));
            }
        }
        String policy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
        List<ContainerStatus> statuses = new ArrayList<>();
        Map<String, ContainerStatus> byName = new java.util.HashMap<>();
        for (ContainerStatus s : withSpecImages(pod, runtime.containerStatuses(runningPod))) {
            byName.put(s.getName(), s);
        }
        InitContainers init = syncInitContainers(pod, policy, byName);
        if (!init.done()) {
            if (init.failed()) {
                finish(pod, init);
            }
            return initializing(pod, started, init, running.get(uid).podIp());
        }
        startMissingContainers(pod, byName);
        for (Container c : pod.getSpec().getContainers()) {
            ContainerStatus s = byName.get(c.getName());
            if (s == null) {
                statuses.add(startFailures.getOrDefault(uid + "/" + c.getName(), waitingStatus(c, "ContainerCreating", null)));
                continue;
            }
            boolean killedUnhealthy = killIfUnhealthy(pod, running.get(uid), c, s);
            if (killedUnhealthy) {
                s = withSpecImages(pod, List.of(runtime.containerStatus(running.get(uid), c.getName()))).getFirst();
            }
            var terminated = s.getState().getTerminated();
            boolean restart = terminated != null && ("Always".equals(policy) || ("OnFailure".equals(policy) && terminated.getExitCode() != 0));
            if (restart) {
                statuses.add(restartAfterBackOff(pod, c, s, terminated, killedUnhealthy));
                continue;
            }
            statuses.add(withLastState(uid, s));
        }
        runningPod = running.get(uid);
        boolean anyRunning = statuses.stream().anyMatch(s -> s.getState().getRunning() != null);
        boolean restarting = statuses.stream().anyMatch(s -> s.getState().getWaiting() != null);
        boolean allTerminated = !restarting && statuses.stream().allMatch(s -> s.getState().getTerminated() != null);
        boolean allSucceeded = allTerminated && statuses.stream().allMatch(s -> s.getState().getTerminated().getExitCode() == 0);
        String phase = allTerminated ? (allSucceeded ? "Succeeded" : "Failed") : anyRunning || restarting ? "Running" : "Pending";
        if (allTerminated) {
            finish(pod, init);
        }
        statuses = probes.updatePodStatus(pod, phase, runningPod.podIp(), statuses);
        boolean ready = !statuses.isEmpty() && statuses.stream().allMatch(s -> Boolean.TRUE.equals(s.getReady()));
        String readyReason = ready ? null : allTerminated ? "PodCompleted" : "ContainersNotReady";
        return new PodStatusBuilder().withPhase(phase)
                .withConditions(condition("PodReadyToStartContainers", true, null, started),
                        condition("Initialized", true, allTerminated && init.statuses().isEmpty() ? "PodCompleted" : null, started),
                        condition("Ready", ready, readyReason, started), condition("ContainersReady", ready, readyReason, started))
                .withHostIP(hostIp).withHostIPs(new HostIP(hostIp))
                .withPodIP(runningPod.podIp()).withPodIPs(new PodIP(runningPod.podIp()))
                .withStartTime(started)
                .withInitContainerStatuses(init.statuses().isEmpty() ? null : init.statuses())
                .withContainerStatuses(statuses)
                .build();
    }

    /**
     * The first sync of a pod the runtime already runs (started by this agent before it was restarted): its sandbox and
     * containers are taken over as they are, so nothing restarts, and its probes start again.
     */
    private RunningPod adopt(Pod pod) {
        RunningPod existing;
        try {
            existing = runtime.existingPod(pod).orElse(null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // the pod worker tries again
        }
        if (existing != null) {
            running.put(pod.getMetadata().getUid(), existing);
            probes.addPod(pod);
            LOG.info("pod {}/{} adopted from the runtime sandbox={} containers={}", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), existing.sandboxId(), existing.containerIds().keySet());
        }
        return existing;
    }

    /**
     * Sets up the pod's volumes (again each remount period, so configMap and secret contents follow
     * their sources). False while a volume of a pod not yet started cannot be set up: the pod then
     * waits in ContainerCreating (the volume manager has recorded the FailedMount event). A running
     * pod keeps running when a remount fails, as upstream's does.
     */
    private boolean mountVolumes(Pod pod, boolean started) {
        try {
            volumes.mountPod(pod);
            return true;
        } catch (VolumeSetUpException e) {
            return started;
        }
    }

    /** An exited container to start again as the restart policy says: waiting in CrashLoopBackOff until its back-off has passed, then started. */
    private ContainerStatus restartAfterBackOff(Pod pod, Container c, ContainerStatus s, ContainerStateTerminated terminated,
                                                boolean killedUnhealthy) {
        String uid = pod.getMetadata().getUid();
        String key = uid + "/" + c.getName();
        Backoff backoff = backoffs.computeIfAbsent(key, k -> new Backoff());
        java.time.Instant finished = terminated.getFinishedAt() == null ? clock.instant() : java.time.Instant.parse(terminated.getFinishedAt());
        java.time.Instant restartAt = backoff.restartAt(finished, s.getState());
        lastTerminated.put(key, terminated);
        if (!killedUnhealthy && clock.instant().isBefore(restartAt)) { // a container killed for a failed probe starts again at once
            return new ContainerStatusBuilder(s).withReady(false).withStarted(false)
                    .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
                    .withMessage("back-off " + backoff.delay().toSeconds() + "s restarting failed container=" + c.getName() + " pod="
                            + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + uid + ")")
                    .endWaiting().endState().withNewLastState().withTerminated(terminated).endLastState().build();
        }
        if (startContainer(pod, c, s.getRestartCount() + 1)) {
            backoff.restarted();
        }
        return new ContainerStatusBuilder(s).withReady(false).withStarted(false).withRestartCount(s.getRestartCount() + 1)
                .withNewState().withNewWaiting().withReason("ContainerCreating").endWaiting().endState()
                .withNewLastState().withTerminated(terminated).endLastState().build();
    }

    /** Starts attempt {@code attempt} of a container (init or app) in the pod's sandbox, env resolved now; false (logged, remembered for the status) when it failed. */
    private boolean startContainer(Pod pod, Container c, int attempt) {
        String uid = pod.getMetadata().getUid();
        RunningPod runningPod = running.get(uid);
        try {
            Pod ready = env.resolve(pod, runningPod.podIp(), hostIp);
            Container readyContainer = java.util.stream.Stream.concat(ready.getSpec().getContainers().stream(), initContainers(ready).stream())
                    .filter(x -> x.getName().equals(c.getName())).findFirst().orElseThrow();
            running.put(uid, runtime.restartContainer(runningPod, ready, readyContainer, attempt));
            startFailures.remove(uid + "/" + c.getName());
            return true;
        } catch (Exception e) {
            LOG.info("starting container {} (attempt {}) of pod {}/{} failed: {}", c.getName(), attempt, pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), e.toString());
            startFailures.put(uid + "/" + c.getName(), waitingStatus(c, reason(e), message(e)));
            return false;
        }
    }

    /** Once the pod is initialized: starts the app containers the sandbox does not have yet (all of them after the init containers). */
    private void startMissingContainers(Pod pod, Map<String, ContainerStatus> byName) {
        boolean started = false;
        for (Container c : pod.getSpec().getContainers()) {
            if (!byName.containsKey(c.getName())) {
                started |= startContainer(pod, c, 0);
            }
        }
        if (started) {
            for (ContainerStatus s : withSpecImages(pod, runtime.containerStatuses(running.get(pod.getMetadata().getUid())))) {
                byName.put(s.getName(), s);
            }
        }
    }

    /**
     * The pod has finished for good (Succeeded or Failed): the sidecars are stopped, last started
     * first (upstream's termination of restartable init containers), and no longer restarted; then
     * the volumes are torn down, as upstream's kubelet does for terminated pods (the exited containers
     * stay until the pod is deleted).
     */
    private void finish(Pod pod, InitContainers init) {
        String uid = pod.getMetadata().getUid();
        if (!finished.add(uid)) {
            return;
        }
        Long grace = pod.getSpec().getTerminationGracePeriodSeconds();
        for (Container c : initContainers(pod).reversed()) {
            boolean running = init.statuses().stream().anyMatch(s -> s.getName().equals(c.getName()) && s.getState().getRunning() != null);
            if (sidecar(c) && running) {
                runtime.stopContainer(this.running.get(uid), c.getName(), Duration.ofSeconds(grace == null ? 30 : grace));
            }
        }
        volumes.unmountPod(uid);
    }

    static final String DEADLINE_EXCEEDED = "DeadlineExceeded";
    static final String DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline";

    /**
     * A pod active past its deadline fails as upstream's: phase Failed, reason DeadlineExceeded, the event of that
     * reason; its containers are stopped (within the pod's grace period) and never started again; the pod stays until it
     * is deleted.
     */
    private PodStatus deadlineExceeded(Pod pod, String started, RunningPod runningPod) {
        String uid = pod.getMetadata().getUid();
        if (pastDeadline.add(uid)) {
            LOG.info("pod {}/{} past its active deadline: stopping it", pod.getMetadata().getNamespace(), pod.getMetadata().getName());
            runtime.events().event(pod, null, "Normal", DEADLINE_EXCEEDED, DEADLINE_MESSAGE);
            probes.removePod(pod);
            finished.add(uid);
            if (runningPod != null) {
                Long grace = pod.getSpec().getTerminationGracePeriodSeconds();
                for (String name : runningPod.containerIds().keySet()) {
                    runtime.stopContainer(runningPod, name, Duration.ofSeconds(grace == null ? 30 : grace));
                }
            }
            volumes.unmountPod(uid);
        }
        List<ContainerStatus> statuses = new ArrayList<>();
        Map<String, ContainerStatus> byName = new java.util.HashMap<>();
        if (runningPod != null) {
            withSpecImages(pod, runtime.containerStatuses(runningPod)).forEach(st -> byName.put(st.getName(), st));
        }
        for (Container c : pod.getSpec().getContainers()) {
            ContainerStatus st = byName.get(c.getName());
            statuses.add(st == null ? waitingStatus(c, "ContainerCreating", null)
                    : new ContainerStatusBuilder(withLastState(uid, st)).withReady(false).withStarted(false).build());
        }
        var status = new PodStatusBuilder().withPhase("Failed").withReason(DEADLINE_EXCEEDED).withMessage(DEADLINE_MESSAGE)
                .withConditions(condition("PodReadyToStartContainers", runningPod != null, null, started),
                        condition("Initialized", true, null, started),
                        condition("Ready", false, "PodCompleted", started), condition("ContainersReady", false, "PodCompleted", started))
                .withHostIP(hostIp).withHostIPs(new HostIP(hostIp)).withStartTime(started).withContainerStatuses(statuses);
        if (runningPod != null) {
            status.withPodIP(runningPod.podIp()).withPodIPs(new PodIP(runningPod.podIp()));
        }
        return status.build();
    }

    /** The status with the last termination this agent saw of the container as lastState. */
    private ContainerStatus withLastState(String uid, ContainerStatus s) {
        var previous = lastTerminated.get(uid + "/" + s.getName());
        return previous == null ? s : new ContainerStatusBuilder(s).withNewLastState().withTerminated(previous).endLastState().build();
    }

    /** The init containers' statuses; done once each regular one has exited 0 (and each sidecar runs); failed when one failed for good. */
    record InitContainers(List<ContainerStatus> statuses, boolean done, boolean failed, List<String> incomplete) {
    }

    private static List<Container> initContainers(Pod pod) {
        return pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers();
    }

    /** Whether an init container is a sidecar (restartPolicy Always): it starts in order and then keeps running beside the app containers. */
    private static boolean sidecar(Container c) {
        return "Always".equals(c.getRestartPolicy());
    }

    /**
     * Upstream's computeInitContainerActions: init containers run one at a time in spec order, each
     * to a successful exit before the next starts (a sidecar only needs to be running). One that exits
     * non-zero is started again after the back-off, or, with restartPolicy Never, fails the pod.
     * Sidecars are restarted whenever they exit, also after the pod is initialized.
     */
    private InitContainers syncInitContainers(Pod pod, String policy, Map<String, ContainerStatus> byName) {
        String uid = pod.getMetadata().getUid();
        List<ContainerStatus> statuses = new ArrayList<>();
        List<String> incomplete = new ArrayList<>();
        boolean blocked = false;
        boolean failed = false;
        for (Container c : initContainers(pod)) {
            ContainerStatus s = byName.get(c.getName());
            if (blocked) {
                statuses.add(waitingStatus(c, "PodInitializing", null));
                incomplete.add(c.getName());
                continue;
            }
            if (s == null) {
                // every one before it succeeded (or, a sidecar, runs): its turn
                blocked = true;
                incomplete.add(c.getName());
                statuses.add(startContainer(pod, c, 0) ? waitingStatus(c, "PodInitializing", null)
                        : startFailures.get(uid + "/" + c.getName()));
                continue;
            }
            var terminated = s.getState().getTerminated();
            if (terminated == null) {
                statuses.add(withLastState(uid, s));
                if (!sidecar(c) || s.getState().getRunning() == null) {
                    blocked = true;
                    incomplete.add(c.getName());
                }
            } else if (terminated.getExitCode() == 0 && !sidecar(c) || sidecar(c) && finished.contains(uid)) {
                statuses.add(withLastState(uid, s));
            } else if ("Never".equals(policy) && !sidecar(c)) {
                statuses.add(withLastState(uid, s));
                incomplete.add(c.getName());
                blocked = true;
                failed = true;
            } else {
                statuses.add(restartAfterBackOff(pod, c, s, terminated, false));
                blocked = true;
                incomplete.add(c.getName());
            }
        }
        boolean done = !blocked || initialized.contains(uid) && !failed;
        if (done) {
            initialized.add(uid);
        }
        return new InitContainers(statuses, done, failed, incomplete);
    }

    /** The status while init containers run (Pending, or Failed when one failed for good): app containers wait in PodInitializing. */
    private PodStatus initializing(Pod pod, String started, InitContainers init, String podIp) {
        List<ContainerStatus> statuses = new ArrayList<>();
        for (Container c : pod.getSpec().getContainers()) {
            statuses.add(waitingStatus(c, "PodInitializing", null));
        }
        String notReady = "containers with unready status: " + pod.getSpec().getContainers().stream().map(Container::getName).toList()
                .toString().replace(",", "");
        return new PodStatusBuilder().withPhase(init.failed() ? "Failed" : "Pending")
                .withConditions(condition("PodReadyToStartContainers", true, null, started),
                        condition("Initialized", false, "ContainersNotInitialized", started)
                                .edit().withMessage("containers with incomplete status: " + init.incomplete().toString().replace(",", "")).build(),
                        condition("Ready", false, "ContainersNotReady", started).edit().withMessage(notReady).build(),
                        condition("ContainersReady", false, "ContainersNotReady", started).edit().withMessage(notReady).build())
                .withHostIP(hostIp).withHostIPs(new HostIP(hostIp))
                .withPodIP(podIp).withPodIPs(new PodIP(podIp))
                .withStartTime(started)
                .withInitContainerStatuses(init.statuses())
                .withContainerStatuses(statuses)
                .build();
    }

    private static ContainerStatus waitingStatus(Container c, String reason, String message) {
        return new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID("").withReady(false)
                .withStarted(false).withRestartCount(0).withNewState().withNewWaiting().withReason(reason).withMessage(message)
                .endWaiting().endState().build();
    }

    /**
     * Kills {@code c} if it failed its liveness or startup probe (upstream's computePodActions); the
     * restart policy then restarts it like any exited container, but without waiting for the back-off.
     */
    private boolean killIfUnhealthy(Pod pod, RunningPod runningPod, Container c, ContainerStatus s) {
        var unhealthy = probes.unhealthy(pod, c, s);
        if (unhealthy.isEmpty()) {
            return false;
        }
        LOG.info("container {} of pod {}/{} failed its {} probe, killing it", c.getName(), pod.getMetadata().getNamespace(),
                pod.getMetadata().getName(), unhealthy.get().type());
        runtime.killContainer(runningPod, pod, c, unhealthy.get().gracePeriod(), unhealthy.get().message());
        return true;
    }

    /**
     * Upstream's container restart back-off: 10 s after the first exit, doubling to 5 minutes; a
     * container that ran for 10 minutes before exiting starts again from 10 s.
     */
    static final class Backoff {
        static final Duration INITIAL = Duration.ofSeconds(10);
        static final Duration MAX = Duration.ofMinutes(5);
        static final Duration RESET_AFTER = Duration.ofMinutes(10);
        private Duration delay = Duration.ZERO;
        private java.time.Instant restartAt;

        /** When the container that finished at {@code finished} may start again; decided once per exit. */
        synchronized java.time.Instant restartAt(java.time.Instant finished, io.fabric8.kubernetes.api.model.ContainerState state) {
            if (restartAt == null) {
                var t = state.getTerminated();
                boolean ranLong = t != null && t.getStartedAt() != null
                        && Duration.between(java.time.Instant.parse(t.getStartedAt()), finished).compareTo(RESET_AFTER) >= 0;
                delay = delay.isZero() || ranLong ? INITIAL : min(delay.multipliedBy(2), MAX);
                restartAt = finished.plus(delay);
            }
            return restartAt;
        }

        synchronized Duration delay() {
            return delay;
        }

        synchronized void restarted() {
            restartAt = null;
        }

        private static Duration min(Duration a, Duration b) {
            return a.compareTo(b) < 0 ? a : b;
        }
    }

    /** The spec's image name as the container status's image, as the kubelet reports it (the runtime reports the resolved one). */
    private static List<ContainerStatus> withSpecImages(Pod pod, List<ContainerStatus> statuses) {
        List<ContainerStatus> out = new ArrayList<>();
        for (ContainerStatus s : statuses) {
            String image = java.util.stream.Stream.concat(pod.getSpec().getContainers().stream(), initContainers(pod).stream())
                    .filter(c -> c.getName().equals(s.getName())).map(Container::getImage).findFirst().orElse(s.getImage());
            out.add(new ContainerStatusBuilder(s).withImage(image).build());
        }
        return out;
    }

    private PodStatus waiting(Pod pod, String started, String reason, String message) {
        List<ContainerStatus> statuses = new ArrayList<>();
        List<ContainerStatus> initStatuses = new ArrayList<>();
        boolean hasInit = !initContainers(pod).isEmpty();
        // upstream's default waiting reason with init containers is PodInitializing; the first init container carries a start error
        boolean startError = !"ContainerCreating".equals(reason);
        for (Container c : initContainers(pod)) {
            boolean first = initStatuses.isEmpty() && startError;
            initStatuses.add(waitingStatus(c, first ? reason : "PodInitializing", first ? message : null));
        }
        for (Container c : pod.getSpec().getContainers()) {
            statuses.add(hasInit ? waitingStatus(c, "PodInitializing", null) : waitingStatus(c, reason, message));
        }
        return new PodStatusBuilder().withPhase("Pending")
                .withConditions(condition("PodReadyToStartContainers", false, null, started),
                        condition("Initialized", !hasInit, hasInit ? "ContainersNotInitialized" : null, started),
                        condition("Ready", false, "ContainersNotReady", started), condition("ContainersReady", false, "ContainersNotReady", started))
                .withHostIP(hostIp).withHostIPs(new HostIP(hostIp)).withStartTime(started)
                .withInitContainerStatuses(hasInit ? initStatuses : null).withContainerStatuses(statuses).build();
    }

    static String reason(Exception e) {
        if (e instanceof dev.skiff.agent.kubelet.images.ImagePullException pull) {
            return pull.reason();
        }
        String text = String.valueOf(e.getMessage());
        if (e instanceof StatusRuntimeException && (text.contains("pull") || text.contains("resolve reference") || text.contains("not found"))) {
            return "ErrImagePull";
        }
        if (e instanceof IllegalArgumentException) {
            return "CreateContainerConfigError";
        }
        return "RunContainerError";
    }

    private static String message(Exception e) {
        return e instanceof StatusRuntimeException s && s.getStatus().getDescription() != null ? s.getStatus().getDescription()
                : String.valueOf(e.getMessage());
    }

    private static PodCondition condition(String type, boolean status, String reason, String time) {
        return new PodConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason).withLastTransitionTime(time)
                .build();
    }

    private String now() {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    }

    @Override
    public PodStatus syncTerminatingPod(Pod pod, Duration gracePeriod) {
        String uid = pod.getMetadata().getUid();
        RunningPod runningPod = running.remove(uid);
        probes.removePod(pod);
        startTimes.remove(uid);
        backoffs.keySet().removeIf(k -> k.startsWith(uid + "/"));
        lastTerminated.keySet().removeIf(k -> k.startsWith(uid + "/"));
        startFailures.keySet().removeIf(k -> k.startsWith(uid + "/"));
        initialized.remove(uid);
        adoptionChecked.remove(uid);
        finished.remove(uid);
        pastDeadline.remove(uid);
        runtime.forgetPod(uid);
        if (runningPod != null) {
            runtime.killPod(runningPod, pod, gracePeriod);
        } else {
            runtime.killPods(uid, gracePeriod); // one the runtime has but this agent never ran: left by the agent before
        }
        volumes.unmountPod(uid);
        return pod.getStatus() == null ? new PodStatus() : new PodStatusBuilder(pod.getStatus()).build();
    }

    /** The pod with this UID as it runs now, if it does (the streaming server execs and reads logs through it). */
    public java.util.Optional<RunningPod> runningPod(String uid) {
        return java.util.Optional.ofNullable(running.get(uid));
    }

    @Override
    public Set<String> runtimePodUids() {
        Set<String> uids = new java.util.HashSet<>(runtime.runtimePodUids());
        uids.addAll(running.keySet());
        return uids;
    }
}
