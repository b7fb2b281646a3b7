package dev.skiff.registry.core.persistentvolumeclaim;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.quantity.Quantities;
import dev.skiff.api.selector.LabelSelector;
import dev.skiff.api.selector.LabelSelectors;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.api.validation.ObjectMetaValidation;
import dev.skiff.registry.core.persistentvolume.PersistentVolumeValidation;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpecBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TypedLocalObjectReference;
import io.fabric8.kubernetes.api.model.TypedObjectReference;
import io.fabric8.kubernetes.api.model.VolumeResourceRequirements;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * PersistentVolumeClaims as upstream's pkg/registry/core/persistentvolumeclaim strategy,
 * SetDefaults_PersistentVolumeClaim and ValidatePersistentVolumeClaim(Update) with v1.33's default
 * gates (AnyVolumeDataSource and RecoverVolumeExpansionFailure on, VolumeAttributesClass off):
 * volume mode Filesystem and phase Pending by default; dataSource and dataSourceRef mirrored; the
 * spec is immutable after creation except volumeName (set once by the binder), storageClassName
 * set once where it was nil, and resources.requests.storage of a bound claim (expansion, or a
 * decrease that stays above status.capacity).
 */
public final class PersistentVolumeClaimStrategy implements Strategy<PersistentVolumeClaim> {
    public static final Resource<PersistentVolumeClaim> RESOURCE = Resource.of("", "persistentvolumeclaims", "PersistentVolumeClaim",
            true, PersistentVolumeClaim.class, PersistentVolumeClaim::new);
    static final String BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(PersistentVolumeClaim pvc) {
        setDefaults(pvc);
        pvc.getSpec().setVolumeAttributesClassName(null);
        normalizeDataSources(pvc.getSpec());
        PersistentVolumeClaimStatus status = new PersistentVolumeClaimStatus();
        status.setPhase("Pending");
        pvc.setStatus(status);
    }

    @Override
    public void prepareForUpdate(PersistentVolumeClaim pvc, PersistentVolumeClaim old) {
        setDefaults(pvc);
        if (old.getSpec().getVolumeAttributesClassName() == null) {
            pvc.getSpec().setVolumeAttributesClassName(null);
        }
        normalizeDataSources(pvc.getSpec());
        pvc.setStatus(old.getStatus());
    }

    private static void setDefaults(PersistentVolumeClaim pvc) {
        if (pvc.getSpec() == null) {
            pvc.setSpec(new PersistentVolumeClaimSpec());
        }
        if (pvc.getSpec().getVolumeMode() == null) {
            pvc.getSpec().setVolumeMode("Filesystem");
        }
    }

    /** pvcutil.NormalizeDataSources: the old and the new field say the same, unless the reference names another namespace. */
    private static void normalizeDataSources(PersistentVolumeClaimSpec spec) {
        TypedObjectReference ref = spec.getDataSourceRef();
        if (ref != null && ref.getNamespace() != null && !ref.getNamespace().isEmpty()) {
            return;
        }
        TypedLocalObjectReference source = spec.getDataSource();
        if (source != null && ref == null) {
            spec.setDataSourceRef(new TypedObjectReference(source.getApiGroup(), source.getKind(), source.getName(), null));
        } else if (ref != null && source == null) {
            spec.setDataSource(new TypedLocalObjectReference(ref.getApiGroup(), ref.getKind(), ref.getName()));
        }
    }

    @Override
    public List<Cause> validate(PersistentVolumeClaim pvc) {
        return validateSpec(pvc.getSpec(), "spec");
    }

    /** ValidatePersistentVolumeClaimSpec. */
    static List<Cause> validateSpec(PersistentVolumeClaimSpec spec, String path) {
        List<Cause> causes = new ArrayList<>(PersistentVolumeValidation.validateAccessModes(spec.getAccessModes(), path + ".accessModes",
                "at least 1 access mode is required"));
        if (spec.getSelector() != null) {
            causes.addAll(validateSelector(spec.getSelector(), path + ".selector"));
        }
        String storagePath = path + ".resources[storage]";
        Quantity storage = requests(spec).get("storage");
        if (storage == null) {
            causes.add(Cause.required(storagePath));
        } else {
            causes.addAll(PersistentVolumeValidation.validatePositive(storage, storagePath));
        }
        String className = spec.getStorageClassName();
        if (className != null && !className.isEmpty()) {
            causes.addAll(PersistentVolumeValidation.validateClassName(className, path + ".storageClassName"));
        }
        if (spec.getVolumeMode() != null && !PersistentVolumeValidation.VOLUME_MODES.contains(spec.getVolumeMode())) {
            causes.add(Cause.notSupported(path + ".volumeMode", spec.getVolumeMode(), PersistentVolumeValidation.VOLUME_MODES));
        }
        TypedLocalObjectReference source = spec.getDataSource();
        TypedObjectReference ref = spec.getDataSourceRef();
        if (source != null) {
            causes.addAll(validateDataSource(source.getName(), source.getKind(), source.getApiGroup(), path + ".dataSource"));
        }
        if (ref != null) {
            causes.addAll(validateDataSource(ref.getName(), ref.getKind(), ref.getApiGroup(), path + ".dataSourceRef"));
            if (ref.getNamespace() != null && !ref.getNamespace().isEmpty()) {
                for (String msg : NameFormats.isDns1123Label(ref.getNamespace())) {
                    causes.add(Cause.invalid(path + ".dataSourceRef.namespace", ref.getNamespace(), msg));
                }
            }
        }
        if (ref != null && ref.getNamespace() != null && !ref.getNamespace().isEmpty()) {
            if (source != null) {
                causes.add(Cause.invalid(path, path + ".dataSource", "may not be specified when dataSourceRef.namespace is specified"));
            }
        } else if (source != null && ref != null && !(Objects.equals(source.getApiGroup(), ref.getApiGroup())
                && Objects.equals(source.getKind(), ref.getKind()) && Objects.equals(source.getName(), ref.getName()))) {
            causes.add(Cause.invalid(path, path + ".dataSource", "must match dataSourceRef"));
        }
        return causes;
    }

    private static List<Cause> validateSelector(io.fabric8.kubernetes.api.model.LabelSelector selector, String path) {
        List<Cause> causes = new ArrayList<>(ObjectMetaValidation.validateLabels(selector.getMatchLabels(), path + ".matchLabels"));
        try {
            LabelSelector.from(selector);
        } catch (ApiException e) {
            causes.add(new Cause("FieldValueInvalid", path, "Invalid value: " + LabelSelectors.format(selector) + ": " + e.getMessage()));
        }
        return causes;
    }

    private static List<Cause> validateDataSource(String name, String kind, String apiGroup, String path) {
        List<Cause> causes = new ArrayList<>();
        if (name == null || name.isEmpty()) {
            causes.add(Cause.required(path + ".name"));
        }
        if (kind == null || kind.isEmpty()) {
            causes.add(Cause.required(path + ".kind"));
        }
        String group = apiGroup == null ? "" : apiGroup;
        if (group.isEmpty() && !"PersistentVolumeClaim".equals(kind)) {
            causes.add(Cause.invalid(path, kind == null ? "" : kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
        }
        for (String msg : group.isEmpty() ? List.<String>of() : NameFormats.isDns1123Subdomain(group)) {
            causes.add(Cause.invalid(path + ".apiGroup", group, msg));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(PersistentVolumeClaim pvc, PersistentVolumeClaim old) {
        List<Cause> causes = new ArrayList<>(validate(pvc));
        PersistentVolumeClaimSpec spec = pvc.getSpec();
        PersistentVolumeClaimSpec oldSpec = old.getSpec();
        // compare the spec without the parts an update may change
        PersistentVolumeClaimSpec newCompared = new PersistentVolumeClaimSpecBuilder(spec).build();
        PersistentVolumeClaimSpec oldCompared = new PersistentVolumeClaimSpecBuilder(oldSpec).build();
        if (oldSpec.getVolumeName() == null || oldSpec.getVolumeName().isEmpty()) {
            oldCompared.setVolumeName(spec.getVolumeName());
        }
        if (storageClassSetOnce(old, pvc)) {
            newCompared.setStorageClassName(oldSpec.getStorageClassName());
        } else {
            String newAnnotation = annotation(pvc, BETA_STORAGE_CLASS);
            String oldAnnotation = annotation(old, BETA_STORAGE_CLASS);
            if (!Objects.equals(newAnnotation, oldAnnotation)) {
                causes.add(Cause.invalid("metadata.annotations[" + BETA_STORAGE_CLASS + "]",
                        newAnnotation == null ? "" : newAnnotation, "field is immutable"));
            }
        }
        boolean bound = pvc.getStatus() != null && "Bound".equals(pvc.getStatus().getPhase());
        if (bound && spec.getResources() != null && spec.getResources().getRequests() != null) {
            Map<String, Quantity> requests = new LinkedHashMap<>(spec.getResources().getRequests());
            Quantity oldStorage = requests(oldSpec).get("storage");
            if (oldStorage == null) {
                requests.remove("storage");
            } else {
                requests.put("storage", oldStorage);
            }
            newCompared.setResources(new VolumeResourceRequirements(spec.getResources().getLimits(), requests));
        }
        newCompared.setVolumeAttributesClassName(oldCompared.getVolumeAttributesClassName());
        if (!Objects.equals(newCompared, oldCompared)) {
            causes.add(Cause.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName "
                    + "for bound claims\n" + diff(oldCompared, newCompared)));
        }
        Quantity newSize = requests(spec).get("storage");
        Quantity oldSize = requests(oldSpec).get("storage");
        if (Quantities.isValid(newSize) && Quantities.isValid(oldSize) && Quantities.compare(newSize, oldSize) < 0) {
            // RecoverVolumeExpansionFailure: a decrease is allowed down to just above what the volume has
            Quantity capacity = old.getStatus() == null || old.getStatus().getCapacity() == null ? null
                    : old.getStatus().getCapacity().get("storage");
            if (Quantities.value(newSize).compareTo(capacity == null || !Quantities.isValid(capacity)
                    ? java.math.BigDecimal.ZERO : Quantities.value(capacity)) <= 0) {
                causes.add(Cause.forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
            }
        }
        if (!Objects.equals(spec.getVolumeMode(), oldSpec.getVolumeMode())) {
            causes.add(Cause.invalid("volumeMode", spec.getVolumeMode() == null ? "" : spec.getVolumeMode(), "field is immutable"));
        }
        return causes;
    }

    /**
     * Upstream's two storage-class upgrades: from the beta annotation to the field (same value), or
     * from nil to a value when the claim had neither (RetroactiveDefaultStorageClass).
     */
    private static boolean storageClassSetOnce(PersistentVolumeClaim old, PersistentVolumeClaim pvc) {
        String oldAnnotation = annotation(old, BETA_STORAGE_CLASS);
        String oldClass = old.getSpec().getStorageClassName();
        String newClass = pvc.getSpec().getStorageClassName();
        if (oldClass != null || newClass == null) {
            return false;
        }
        if (oldAnnotation == null) {
            return true;
        }
        return oldAnnotation.equals(annotation(pvc, BETA_STORAGE_CLASS)) && oldAnnotation.equals(newClass);
    }

    private static String annotation(PersistentVolumeClaim pvc, String key) {
        Map<String, String> annotations = pvc.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(key);
    }

    private static Map<String, Quantity> requests(PersistentVolumeClaimSpec spec) {
        return spec.getResources() == null || spec.getResources().getRequests() == null ? Map.of() : spec.getResources().getRequests();
    }

    /** The changed spec fields, old then new, in place of Go's cmp.Diff (which upstream appends to the message). */
    @SuppressWarnings("unchecked")
    private static String diff(PersistentVolumeClaimSpec old, PersistentVolumeClaimSpec now) {
        Map<String, Object> a = JSON.convertValue(old, Map.class);
        Map<String, Object> b = JSON.convertValue(now, Map.class);
        StringBuilder sb = new StringBuilder();
        TreeSet<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String key : keys) {
            if (!Objects.equals(a.get(key), b.get(key))) {
                sb.append("  - ").append(key).append(": ").append(a.get(key)).append('\n')
                        .append("  + ").append(key).append(": ").append(b.get(key)).append('\n');
            }
        }
        return sb.toString();
    }

    /** ValidatePersistentVolumeClaimStatusUpdate: capacity and allocated resources are quantities that are not negative. */
    @Override
    public List<Cause> validateStatusUpdate(PersistentVolumeClaim pvc, PersistentVolumeClaim old) {
        List<Cause> causes = new ArrayList<>();
        PersistentVolumeClaimStatus status = pvc.getStatus();
        if (status == null) {
            return causes;
        }
        for (var e : new TreeMap<>(status.getCapacity() == null ? Map.<String, Quantity>of() : status.getCapacity()).entrySet()) {
            causes.addAll(PersistentVolumeValidation.validateNonNegative(e.getValue(), "status.capacity[" + e.getKey() + "]"));
        }
        for (var e : new TreeMap<>(status.getAllocatedResources() == null ? Map.<String, Quantity>of()
                : status.getAllocatedResources()).entrySet()) {
            causes.addAll(PersistentVolumeValidation.validateNonNegative(e.getValue(), "status.allocatedResources[" + e.getKey() + "]"));
        }
        return causes;
    }

    @Override
    public Map<String, Strategy<PersistentVolumeClaim>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (pvc, old) -> {
            pvc.setSpec(old.getSpec());
            if (pvc.getStatus() == null) {
                pvc.setStatus(new PersistentVolumeClaimStatus());
            }
            if (pvc.getStatus().getPhase() == null || pvc.getStatus().getPhase().isEmpty()) {
                pvc.getStatus().setPhase("Pending");
            }
        }));
    }
}
