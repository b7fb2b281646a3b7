package dev.skiff.agent.simulated;

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
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A hollow node's pods (upstream's hollow kubelet, kwok's default stages): nothing runs; a bound pod
 * is reported Running at once with an IP from the node's pod CIDR (the host IP with hostNetwork),
 * every container running and ready, init containers completed; a terminated pod gives its IP back.
 */
public final class SimulatedPodSyncer implements PodSyncer {
    private final String hostIp;
    private final Clock clock;
    private final Deque<String> freeIps = new ArrayDeque<>();
    private final Map<String, String> ipByUid = new ConcurrentHashMap<>();
    private final Map<String, String> startByUid = new ConcurrentHashMap<>();

    /**
     * @param podCidrPrefix the first three octets of the node's /24 pod CIDR, e.g. {@code 10.64.3}
     */
    public SimulatedPodSyncer(String hostIp, String podCidrPrefix, Clock clock) {
        this.hostIp = hostIp;
        this.clock = clock;
        for (int i = 2; i < 255; i++) {
            freeIps.add(podCidrPrefix + "." + i);
        }
    }

    @Override
    public synchronized PodStatus syncPod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        boolean hostNetwork = Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
        String ip = hostNetwork ? hostIp : ipByUid.computeIfAbsent(uid, u -> {
            if (freeIps.isEmpty()) {
                throw new IllegalStateException("the node's pod CIDR has no free address");
            }
            return freeIps.poll();
        });
        String started = startByUid.computeIfAbsent(uid, u -> DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)));
        List<ContainerStatus> init = new ArrayList<>();
        for (Container c : pod.getSpec().getInitContainers() == null ? List.<Container>of() : pod.getSpec().getInitContainers()) {
            init.add(base(pod, c).withReady(false).withStarted(false).withNewState().withNewTerminated().withExitCode(0).withReason("Completed")
                    .withStartedAt(started).withFinishedAt(started).withContainerID(containerId(pod, c)).endTerminated().endState().build());
        }
        List<ContainerStatus> containers = new ArrayList<>();
        for (Container c : pod.getSpec().getContainers()) {
            containers.add(base(pod, c).withReady(true).withStarted(true).withNewState().withNewRunning().withStartedAt(started).endRunning()
                    .endState().build());
        }
        return new PodStatusBuilder().withPhase("Running")
                .withConditions(condition("PodReadyToStartContainers", started), condition("Initialized", started),
                        condition("Ready", started), condition("ContainersReady", started))
                .withHostIP(hostIp).withHostIPs(new HostIP(hostIp))
                .withPodIP(ip).withPodIPs(new PodIP(ip))
                .withStartTime(started)
                .withInitContainerStatuses(init.isEmpty() ? null : init)
                .withContainerStatuses(containers)
                .build();
    }

    private static ContainerStatusBuilder base(Pod pod, Container c) {
        return new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID(c.getImage())
                .withContainerID(containerId(pod, c)).withRestartCount(0);
    }

    private static String containerId(Pod pod, Container c) {
        return "simulated://" + pod.getMetadata().getUid() + "-" + c.getName();
    }

    private static PodCondition condition(String type, String time) {
        return new PodConditionBuilder().withType(type).withStatus("True").withLastTransitionTime(time).build();
    }

    @Override
    public synchronized PodStatus syncTerminatingPod(Pod pod, Duration gracePeriod) {
        String uid = pod.getMetadata().getUid();
        String ip = ipByUid.remove(uid);
        if (ip != null) {
            freeIps.add(ip);
        }
        startByUid.remove(uid);
        PodStatus last = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        return new PodStatusBuilder(last).build();
    }

    @Override
    public Set<String> runtimePodUids() {
        return Set.copyOf(ipByUid.keySet());
    }
}
