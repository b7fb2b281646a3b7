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
 * states back. Phase as upstream's getPhase for what is built: Running while a container runs,
 * Succeeded when every container exited 0 and Failed when one exited otherwise (restartPolicy Never;
 * OnFailure and Always are reported the same way because restarting containers is not built yet).
 * A pod that cannot start reports Pending with its containers waiting: ErrImagePull when the image
 * could not be pulled, CreateContainerConfigError for a spec the runtime config rejects,
 * RunContainerError otherwise, with the error as message - and is tried again on the next sync.
 */
public final class RuntimePodSyncer implements PodSyncer {
    private static final Logger LOG = LoggerFactory.getLogger(RuntimePodSyncer.class);

    private final KubeRuntimeManager runtime;
    private final String hostIp;
    private final Clock clock;
    private final Map<String, RunningPod> running = new ConcurrentHashMap<>();
    private final Map<String, String> startTimes = new ConcurrentHashMap<>();

    public RuntimePodSyncer(KubeRuntimeManager runtime, String hostIp, Clock clock) {
        this.runtime = runtime;
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
                runningPod = runtime.runPod(pod);
                running.put(uid, runningPod);
            } catch (Exception e) {
                LOG.info("pod {}/{} could not start: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.toString());
                return waiting(pod, started, reason(e), message(e));
            }
        }
        List<ContainerStatus> statuses = withSpecImages(pod, runtime.containerStatuses(runningPod));
        boolean anyRunning = statuses.stream().anyMatch(s -> s.getState().getRunning() != null);
        boolean allTerminated = statuses.stream().allMatch(s -> s.getState().getTerminated() != null);
        boolean allSucceeded = allTerminated && statuses.stream().allMatch(s -> s.getState().getTerminated().getExitCode() == 0);
        String phase = allTerminated ? (allSucceeded ? "Succeeded" : "Failed") : anyRunning ? "Running" : "Pending";
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
        if (runningPod != null) {
            runtime.killPod(runningPod, gracePeriod);
        }
        return pod.getStatus() == null ? new PodStatus() : new PodStatusBuilder(pod.getStatus()).build();
    }

    @Override
    public Set<String> runtimePodUids() {
        return Set.copyOf(running.keySet());
    }
}
