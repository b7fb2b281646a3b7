package dev.skiff.agent.kuberuntime;

import dev.skiff.agent.kubelet.PodSyncer;
import io.fabric8.kubernetes.api.model.Container;
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
 * could not be pulled, CreateContainerConfigError for a spec the runtime config rejects,
 * RunContainerError otherwise, with the error as message - and is tried again on the next sync.
 */
public final class RuntimePodSyncer implements PodSyncer {
    private static final Logger LOG = LoggerFactory.getLogger(RuntimePodSyncer.class);

    private final KubeRuntimeManager runtime;
    private final dev.skiff.agent.kubelet.envvars.EnvResolver env;
    private final String hostIp;
    private final Clock clock;
    private final Map<String, RunningPod> running = new ConcurrentHashMap<>();
    private final Map<String, String> startTimes = new ConcurrentHashMap<>();
    private final Map<String, Backoff> backoffs = new ConcurrentHashMap<>();
    private final Map<String, io.fabric8.kubernetes.api.model.ContainerStateTerminated> lastTerminated = new ConcurrentHashMap<>();

    public RuntimePodSyncer(KubeRuntimeManager runtime, dev.skiff.agent.kubelet.envvars.EnvResolver env, String hostIp, Clock clock) {
        this.runtime = runtime;
        this.env = env;
        this.hostIp = hostIp;
        this.clock = clock;
    }

    @Override
    public PodStatus syncPod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        String started = startTimes.computeIfAbsent(uid, u -> now());
        RunningPod runningPod = running.get(uid);
        if (runningPod == null) {
            try {
                runningPod = runtime.runPod(pod, (p, podIp) -> env.resolve(p, podIp, hostIp));
                running.put(uid, runningPod);
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
        for (Container c : pod.getSpec().getContainers()) {
            ContainerStatus s = byName.get(c.getName());
            if (s == null) {
                continue;
            }
            String key = uid + "/" + c.getName();
            var terminated = s.getState().getTerminated();
            boolean restart = terminated != null && ("Always".equals(policy) || ("OnFailure".equals(policy) && terminated.getExitCode() != 0));
            if (restart) {
                Backoff backoff = backoffs.computeIfAbsent(key, k -> new Backoff());
                java.time.Instant finished = terminated.getFinishedAt() == null ? clock.instant() : java.time.Instant.parse(terminated.getFinishedAt());
                java.time.Instant restartAt = backoff.restartAt(finished, s.getState());
                lastTerminated.put(key, terminated);
                if (clock.instant().isBefore(restartAt)) {
                    statuses.add(new ContainerStatusBuilder(s).withReady(false).withStarted(false)
                            .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
                            .withMessage("back-off " + backoff.delay().toSeconds() + "s restarting failed container=" + c.getName() + " pod="
                                    + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + uid + ")")
                            .endWaiting().endState().withNewLastState().withTerminated(terminated).endLastState().build());
                    continue;
                }
                try {
                    Pod ready = env.resolve(pod, runningPod.podIp(), hostIp);
                    Container readyContainer = ready.getSpec().getContainers().stream().filter(x -> x.getName().equals(c.getName()))
                            .findFirst().orElseThrow();
                    runningPod = runtime.restartContainer(runningPod, ready, readyContainer, s.getRestartCount() + 1);
                    running.put(uid, runningPod);
                    backoff.restarted();
                } catch (Exception e) {
                    LOG.info("restarting container {} of pod {}/{} failed: {}", c.getName(), pod.getMetadata().getNamespace(),
                            pod.getMetadata().getName(), e.toString());
                }
                statuses.add(new ContainerStatusBuilder(s).withReady(false).withStarted(false).withRestartCount(s.getRestartCount() + 1)
                        .withNewState().withNewWaiting().withReason("ContainerCreating").endWaiting().endState()
                        .withNewLastState().withTerminated(terminated).endLastState().build());
                continue;
            }
            var previous = lastTerminated.get(key);
            statuses.add(previous == null ? s : new ContainerStatusBuilder(s).withNewLastState().withTerminated(previous).endLastState().build());
        }
        boolean anyRunning = statuses.stream().anyMatch(s -> s.getState().getRunning() != null);
        boolean restarting = statuses.stream().anyMatch(s -> s.getState().getWaiting() != null);
        boolean allTerminated = !restarting && statuses.stream().allMatch(s -> s.getState().getTerminated() != null);
        boolean allSucceeded = allTerminated && statuses.stream().allMatch(s -> s.getState().getTerminated().getExitCode() == 0);
        String phase = allTerminated ? (allSucceeded ? "Succeeded" : "Failed") : anyRunning || restarting ? "Running" : "Pending";
        boolean ready = !statuses.isEmpty() && statuses.stream().allMatch(s -> Boolean.TRUE.equals(s.getReady()));
        String readyReason = ready ? null : allTerminated ? "PodCompleted" : "ContainersNotReady";
        return new PodStatusBuilder().withPhase(phase)
                .withConditions(condition("PodReadyToStartContainers", true, null, started),
                        condition("Initialized", true, allTerminated ? "PodCompleted" : null, started),
                        condition("Ready", ready, readyReason, started), condition("ContainersReady", ready, readyReason, started))
                .withHostIP(hostIp).withHostIPs(new HostIP(hostIp))
                .withPodIP(runningPod.podIp()).withPodIPs(new PodIP(runningPod.podIp()))
                .withStartTime(started)
                .withContainerStatuses(statuses)
                .build();
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
            String image = pod.getSpec().getContainers().stream().filter(c -> c.getName().equals(s.getName())).map(Container::getImage)
                    .findFirst().orElse(s.getImage());
            out.add(new ContainerStatusBuilder(s).withImage(image).build());
        }
        return out;
    }

    private PodStatus waiting(Pod pod, String started, String reason, String message) {
        List<ContainerStatus> statuses = new ArrayList<>();
        for (Container c : pod.getSpec().getContainers()) {
            statuses.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID("").withReady(false)
                    .withStarted(false).withRestartCount(0).withNewState().withNewWaiting().withReason(reason).withMessage(message)
                    .endWaiting().endState().build());
        }
        return new PodStatusBuilder().withPhase("Pending")
                .withConditions(condition("PodReadyToStartContainers", false, null, started), condition("Initialized", true, null, started),
                        condition("Ready", false, "ContainersNotReady", started), condition("ContainersReady", false, "ContainersNotReady", started))
                .withHostIP(hostIp).withHostIPs(new HostIP(hostIp)).withStartTime(started).withContainerStatuses(statuses).build();
    }

    static String reason(Exception e) {
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
        startTimes.remove(uid);
        backoffs.keySet().removeIf(k -> k.startsWith(uid + "/"));
        lastTerminated.keySet().removeIf(k -> k.startsWith(uid + "/"));
        if (runningPod != null) {
            runtime.killPod(runningPod, gracePeriod);
        }
        return pod.getStatus() == null ? new PodStatus() : new PodStatusBuilder(pod.getStatus()).build();
    }

    /** The pod with this UID as it runs now, if it does (the streaming server execs and reads logs through it). */
    public java.util.Optional<RunningPod> runningPod(String uid) {
        return java.util.Optional.ofNullable(running.get(uid));
    }

    @Override
    public Set<String> runtimePodUids() {
        return Set.copyOf(running.keySet());
    }
}
