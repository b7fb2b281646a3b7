package dev.skiff.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;

/**
 * What plugins get from the scheduler, as upstream's framework.Handle: the cycle's snapshot, the
 * namespaces' labels (for namespaceSelector), the pods nominated to nodes, and the framework
 * itself (preemption re-runs filters).
 */
public interface Handle {
    Snapshot snapshot();

    Map<String, String> namespaceLabels(String namespace);

    /** Pods nominated (by preemption) to run on the node, not yet bound. */
    List<PodInfo> nominatedPodsForNode(String nodeName);

    Framework framework();

    /** The pool plugins use for walks over all nodes (e.g. counting matching pods in PreFilter). */
    Parallelizer parallelizer();

    /**
     * The selector the default topology spread constraints use for this pod: the union of the
     * selectors of the services, replication controllers, replica sets and stateful sets that
     * select it (upstream's DefaultSelector); nothing when none does.
     */
    dev.skiff.api.selector.LabelSelector defaultSpreadSelector(Pod pod);

    /** Deletes a preemption victim; the cluster-facing side of DefaultPreemption. */
    void deleteVictim(Pod victim, Pod preemptor);

    /** Clears the nominated node of a pod that preemption displaced. */
    void clearNomination(Pod pod);

    /** The PersistentVolumeClaims, PersistentVolumes and StorageClasses, and the writes to them VolumeBinding makes. */
    StorageAccess storage();
}
