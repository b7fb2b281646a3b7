package dev.skiff.apiserver.handlers;

import dev.skiff.apiserver.handlers.TableConvertor.Column;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod table as upstream's printPod: READY counts ready containers (restartable init containers
 * included), STATUS is the phase refined by the init and container states (Init:1/2,
 * CrashLoopBackOff, Completed, Terminating, ...), RESTARTS with the time since the last one;
 * -o wide adds IP, NODE, NOMINATED NODE and READINESS GATES.
 */
final class PodColumns {
    private PodColumns() {
    }

    static List<Column> columns(Column name, Column age, Clock clock) {
        return List.of(name,
                new Column("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.",
                        o -> summary((Pod) o, clock).ready()),
                new Column("Status", "string", "", "The aggregate status of the containers in this pod.",
                        o -> summary((Pod) o, clock).status()),
                new Column("Restarts", "string", "", "The number of times the containers in this pod have been restarted and "
                        + "when the last container in this pod has restarted.", o -> summary((Pod) o, clock).restarts()),
                age,
                new Column("IP", "string", "", "IP address allocated to the pod. Routable at least within the cluster. "
                        + "Empty if not yet allocated.", o -> orNone(podIp(status((Pod) o))), 1),
                new Column("Node", "string", "", "NodeName indicates in which node this pod is scheduled.",
                        o -> orNone(spec((Pod) o).getNodeName()), 1),
                new Column("Nominated Node", "string", "", "nominatedNodeName is set only when this pod preempts other pods "
                        + "on the node, but it cannot be scheduled right away as preemption victims receive their graceful "
                        + "termination periods.", o -> orNone(status((Pod) o).getNominatedNodeName()), 1),
                new Column("Readiness Gates", "string", "", "If specified, all readiness gates will be evaluated for pod "
                        + "readiness.", o -> readinessGates((Pod) o), 1));
    }

    record Summary(String ready, String status, String restarts) {
    }

    static Summary summary(Pod pod, Clock clock) {
        PodSpec spec = spec(pod);
        PodStatus status = status(pod);
        int restarts = 0;
        int sidecarRestarts = 0;
        int total = list(spec.getContainers()).size();
        int ready = 0;
        Instant lastRestart = null;
        Instant lastSidecarRestart = null;
        String reason = status.getPhase() == null ? "" : status.getPhase();
        if (status.getReason() != null && !status.getReason().isEmpty()) {
            reason = status.getReason();
        }
        for (PodCondition c : list(status.getConditions())) {
            if ("PodScheduled".equals(c.getType()) && "SchedulingGated".equals(c.getReason())) {
                reason = "SchedulingGated";
            }
        }
        Map<String, Container> inits = new HashMap<>();
        for (Container c : list(spec.getInitContainers())) {
            inits.put(c.getName(), c);
            if (restartable(c)) {
                total++;
            }
        }
        boolean initializing = false;
        List<ContainerStatus> initStatuses = list(status.getInitContainerStatuses());
        for (int i = 0; i < initStatuses.size(); i++) {
            ContainerStatus cs = initStatuses.get(i);
            restarts += count(cs.getRestartCount());
            lastRestart = later(lastRestart, lastTermination(cs));
            boolean sidecar = restartable(inits.get(cs.getName()));
            if (sidecar) {
                sidecarRestarts += count(cs.getRestartCount());
                lastSidecarRestart = later(lastSidecarRestart, lastTermination(cs));
            }
            var terminated = cs.getState() == null ? null : cs.getState().getTerminated();
            var waiting = cs.getState() == null ? null : cs.getState().getWaiting();
            if (terminated != null && count(terminated.getExitCode()) == 0) {
                continue;
            }
            if (sidecar && Boolean.TRUE.equals(cs.getStarted())) {
                if (Boolean.TRUE.equals(cs.getReady())) {
                    ready++;
                }
                continue;
            }
            if (terminated != null) {
                if (terminated.getReason() == null || terminated.getReason().isEmpty()) {
                    reason = count(terminated.getSignal()) != 0 ? "Init:Signal:" + terminated.getSignal()
                            : "Init:ExitCode:" + count(terminated.getExitCode());
                } else {
                    reason = "Init:" + terminated.getReason();
                }
            } else if (waiting != null && waiting.getReason() != null && !waiting.getReason().isEmpty()
                    && !waiting.getReason().equals("PodInitializing")) {
                reason = "Init:" + waiting.getReason();
            } else {
                reason = "Init:" + i + "/" + list(spec.getInitContainers()).size();
            }
            initializing = true;
            break;
        }
        if (!initializing || conditionTrue(status, "Initialized")) {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            boolean hasRunning = false;
            List<ContainerStatus> statuses = list(status.getContainerStatuses());
            for (int i = statuses.size() - 1; i >= 0; i--) {
                ContainerStatus cs = statuses.get(i);
                restarts += count(cs.getRestartCount());
                lastRestart = later(lastRestart, lastTermination(cs));
                var state = cs.getState();
                var waiting = state == null ? null : state.getWaiting();
                var terminated = state == null ? null : state.getTerminated();
                if (waiting != null && waiting.getReason() != null && !waiting.getReason().isEmpty()) {
                    reason = waiting.getReason();
                } else if (terminated != null && terminated.getReason() != null && !terminated.getReason().isEmpty()) {
                    reason = terminated.getReason();
                } else if (terminated != null) {
                    reason = count(terminated.getSignal()) != 0 ? "Signal:" + terminated.getSignal()
                            : "ExitCode:" + count(terminated.getExitCode());
                } else if (Boolean.TRUE.equals(cs.getReady()) && state != null && state.getRunning() != null) {
                    hasRunning = true;
                    ready++;
                }
            }
            if (reason.equals("Completed") && hasRunning) {
                reason = list(status.getConditions()).stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))
                        ? "Running" : "NotReady";
            }
        }
        String phase = status.getPhase() == null ? "" : status.getPhase();
        if (pod.getMetadata().getDeletionTimestamp() != null && "NodeLost".equals(status.getReason())) {
            reason = "Unknown";
        } else if (pod.getMetadata().getDeletionTimestamp() != null && !phase.equals("Succeeded") && !phase.equals("Failed")) {
            reason = "Terminating";
        }
        String restartText = String.valueOf(restarts);
        if (restarts != 0 && lastRestart != null) {
            restartText = restarts + " (" + TableConvertor.humanDuration(Duration.between(lastRestart, clock.instant())) + " ago)";
        }
        return new Summary(ready + "/" + total, reason, restartText);
    }

    static String containerNames(PodTemplateSpec template) {
        return template == null || template.getSpec() == null ? ""
                : String.join(",", list(template.getSpec().getContainers()).stream().map(Container::getName).toList());
    }

    static String images(PodTemplateSpec template) {
        return template == null || template.getSpec() == null ? ""
                : String.join(",", list(template.getSpec().getContainers()).stream().map(Container::getImage).toList());
    }

    private static String readinessGates(Pod pod) {
        List<PodReadinessGate> gates = list(spec(pod).getReadinessGates());
        if (gates.isEmpty()) {
            return "<none>";
        }
        long satisfied = gates.stream().filter(g -> conditionTrue(status(pod), g.getConditionType())).count();
        return satisfied + "/" + gates.size();
    }

    private static boolean conditionTrue(PodStatus status, String type) {
        for (PodCondition c : list(status.getConditions())) {
            if (type.equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    private static boolean restartable(Container c) {
        return c != null && "Always".equals(c.getRestartPolicy());
    }

    private static Instant lastTermination(ContainerStatus cs) {
        var last = cs.getLastState() == null ? null : cs.getLastState().getTerminated();
        return last == null || last.getFinishedAt() == null || last.getFinishedAt().isEmpty() ? null : Instant.parse(last.getFinishedAt());
    }

    private static Instant later(Instant a, Instant b) {
        return a == null ? b : b == null || a.isAfter(b) ? a : b;
    }

    private static String podIp(PodStatus status) {
        if (status.getPodIPs() != null && !status.getPodIPs().isEmpty()) {
            return status.getPodIPs().getFirst().getIp();
        }
        return status.getPodIP();
    }

    private static PodSpec spec(Pod pod) {
        return pod.getSpec() == null ? new PodSpec() : pod.getSpec();
    }

    private static PodStatus status(Pod pod) {
        return pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    }

    private static String orNone(String s) {
        return s == null || s.isEmpty() ? "<none>" : s;
    }

    private static int count(Integer n) {
        return n == null ? 0 : n;
    }

    private static <E> List<E> list(List<E> l) {
        return l == null ? List.of() : l;
    }
}
