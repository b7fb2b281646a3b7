package dev.skiff.registry.core.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pod's quality-of-service class, as upstream's qos.GetPodQOS over cpu and memory: BestEffort
 * with no requests or limits at all, Guaranteed when every container limits both and requests
 * equal limits, Burstable otherwise.
 */
final class QosClass {
    private static final List<String> COMPUTE = List.of("cpu", "memory");

    private QosClass() {
    }

    static String of(PodSpec spec) {
        List<Container> all = new ArrayList<>(PodStrategy.containers(spec.getInitContainers()));
        all.addAll(PodStrategy.containers(spec.getContainers()));
        boolean any = false;
        boolean guaranteed = true;
        for (Container c : all) {
            Map<String, Quantity> requests = c.getResources() == null || c.getResources().getRequests() == null
                    ? Map.of() : c.getResources().getRequests();
            Map<String, Quantity> limits = c.getResources() == null || c.getResources().getLimits() == null
                    ? Map.of() : c.getResources().getLimits();
            for (String name : COMPUTE) {
                Quantity request = requests.get(name);
                Quantity limit = limits.get(name);
                if (nonZero(request) || nonZero(limit)) {
                    any = true;
                }
                if (!nonZero(limit) || request != null && request.getNumericalAmount().compareTo(limit.getNumericalAmount()) != 0) {
                    guaranteed = false;
                }
            }
        }
        if (!any) {
            return "BestEffort";
        }
        return guaranteed ? "Guaranteed" : "Burstable";
    }

    private static boolean nonZero(Quantity q) {
        return q != null && q.getNumericalAmount().signum() != 0;
    }
}
