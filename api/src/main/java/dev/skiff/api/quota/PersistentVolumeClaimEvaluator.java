package dev.skiff.api.quota;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Upstream's persistent volume claim evaluator: each claim counts one against
 * {@code persistentvolumeclaims} and {@code count/persistentvolumeclaims}, its requested storage
 * against {@code requests.storage}, and both against its storage class's
 * {@code <class>.storageclass.storage.k8s.io/...} names. Creates and updates (expansion) are charged.
 */
public final class PersistentVolumeClaimEvaluator implements Evaluator {
    private static final String COUNT = Evaluator.objectCountName("", "persistentvolumeclaims");
    private static final String CLASS_SUFFIX = ".storageclass.storage.k8s.io/";
    private static final Set<String> RESOURCES = Set.of(COUNT, "persistentvolumeclaims", "requests.storage");

    @Override
    public String resource() {
        return "persistentvolumeclaims";
    }

    @Override
    public Set<String> matchingResources(Collection<String> names) {
        Set<String> matching = new TreeSet<>();
        for (String name : names) {
            if (RESOURCES.contains(name) || name.contains(CLASS_SUFFIX)
                    && (name.endsWith("/requests.storage") || name.endsWith("/persistentvolumeclaims"))) {
                matching.add(name);
            }
        }
        return matching;
    }

    @Override
    public Map<String, Quantity> usage(HasMetadata object, Instant now) {
        PersistentVolumeClaim claim = (PersistentVolumeClaim) object;
        Map<String, Quantity> usage = new TreeMap<>(ResourceLists.of(List.of(COUNT, "persistentvolumeclaims"), 1));
        String storageClass = claim.getSpec() == null ? null : claim.getSpec().getStorageClassName();
        if (storageClass != null && !storageClass.isEmpty()) {
            usage.put(storageClass + CLASS_SUFFIX + "persistentvolumeclaims", new Quantity("1"));
        }
        var resources = claim.getSpec() == null ? null : claim.getSpec().getResources();
        Quantity storage = resources == null || resources.getRequests() == null ? null : resources.getRequests().get("storage");
        if (storage != null) {
            usage.put("requests.storage", storage);
            if (storageClass != null && !storageClass.isEmpty()) {
                usage.put(storageClass + CLASS_SUFFIX + "requests.storage", storage);
            }
        }
        return usage;
    }
}
