package dev.skiff.scheduler.framework;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;

/**
 * A pod's effective resource request, as upstream's computePodResourceRequest (resourcehelper
 * PodRequests): the sum of the app containers and restartable (sidecar) init containers, at least
 * the largest regular init container plus the sidecars started before it, plus the pod overhead.
 */
public final class PodRequests {
    /** What scoring assumes for a container that does not request cpu (upstream DefaultMilliCPURequest). */
    public static final long DEFAULT_MILLI_CPU_REQUEST = 100;
    /** What scoring assumes for a container that does not request memory (upstream DefaultMemoryRequest). */
    public static final long DEFAULT_MEMORY_REQUEST = 200L * 1024 * 1024;

    private PodRequests() {
    }

    public static Resource of(Pod pod) {
        return compute(pod, false);
    }

    /** The same sum with cpu/memory defaults for containers that leave them out, for scoring. */
    public static Resource nonZero(Pod pod) {
        return compute(pod, true);
    }

    private static Resource compute(Pod pod, boolean nonZero) {
        Resource reqs = new Resource();
        for (Container c : pod.getSpec().getContainers()) {
            reqs.add(requests(c, nonZero));
        }
        Resource restartable = new Resource();
        Resource initMax = new Resource();
        List<Container> inits = pod.getSpec().getInitContainers();
        for (Container c : inits == null ? List.<Container>of() : inits) {
            Resource containerReqs = requests(c, nonZero);
            if ("Always".equals(c.getRestartPolicy())) {
                reqs.add(containerReqs);
                restartable.add(containerReqs);
                containerReqs = restartable.copy();
            } else {
                containerReqs.add(restartable);
            }
            initMax.max(containerReqs);
        }
        reqs.max(initMax);
        Map<String, Quantity> overhead = pod.getSpec().getOverhead();
        reqs.add(overhead);
        return reqs;
    }

    private static Resource requests(Container c, boolean nonZero) {
        Map<String, Quantity> req = c.getResources() == null ? null : c.getResources().getRequests();
        Resource r = Resource.of(req);
        if (nonZero) {
            if (req == null || !req.containsKey(Resource.CPU)) {
                r.milliCpu = DEFAULT_MILLI_CPU_REQUEST;
            }
            if (req == null || !req.containsKey(Resource.MEMORY)) {
                r.memory = DEFAULT_MEMORY_REQUEST;
            }
        }
        return r;
    }
}
