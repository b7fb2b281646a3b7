package dev.skiff.api.validation;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks an object's metadata as upstream's ValidateObjectMetaAccessor does (apimachinery
 * pkg/api/validation/objectmeta.go): the same rules, field paths and messages, so a 422 from
 * skiff reads like one from kube-apiserver. Map-valued fields are walked in key order so the
 * causes come out in a stable order (upstream's order follows Go map iteration, i.e. none).
 */
public final class ObjectMetaValidation {
    /** Upstream's TotalAnnotationSizeLimitB: keys plus values of all annotations, 256 KiB. */
    public static final int TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;
    public static final String FINALIZER_ORPHAN_DEPENDENTS = "orphan";
    public static final String FINALIZER_DELETE_DEPENDENTS = "foregroundDeletion";

    private ObjectMetaValidation() {
    }

    /**
     * All metadata rules for a create. {@code requiresNamespace} is the resource's scope;
     * {@code path} is normally "metadata".
     */
    public static List<Cause> validate(ObjectMeta meta, boolean requiresNamespace, NameValidator names, String path) {
        List<Cause> causes = new ArrayList<>();
        String generateName = nullToEmpty(meta.getGenerateName());
        String name = nullToEmpty(meta.getName());
        String namespace = nullToEmpty(meta.getNamespace());
        if (!generateName.isEmpty()) {
            for (String msg : names.validate(generateName, true)) {
                causes.add(Cause.invalid(path + ".generateName", generateName, msg));
            }
        }
        if (name.isEmpty()) {
            causes.add(Cause.required(path + ".name", "name or generateName is required"));
        } else {
            for (String msg : names.validate(name, false)) {
                causes.add(Cause.invalid(path + ".name", name, msg));
            }
        }
        if (requiresNamespace) {
            if (namespace.isEmpty()) {
                causes.add(Cause.required(path + ".namespace"));
            } else {
                for (String msg : NameValidator.DNS_LABEL.validate(namespace, false)) {
                    causes.add(Cause.invalid(path + ".namespace", namespace, msg));
                }
            }
        } else if (!namespace.isEmpty()) {
            causes.add(Cause.forbidden(path + ".namespace", "not allowed on this type"));
        }
        if (meta.getGeneration() != null && meta.getGeneration() < 0) {
            causes.add(Cause.invalid(path + ".generation", meta.getGeneration(), "must be greater than or equal to 0"));
        }
        causes.addAll(validateLabels(meta.getLabels(), path + ".labels"));
        causes.addAll(validateAnnotations(meta.getAnnotations(), path + ".annotations"));
        causes.addAll(validateOwnerReferences(meta.getOwnerReferences(), path + ".ownerReferences"));
        causes.addAll(validateFinalizers(meta.getFinalizers(), path + ".finalizers"));
        return causes;
    }

    /**
     * The rules for an update (upstream's ValidateObjectMetaAccessorUpdate): a resourceVersion is
     * required, identity and timestamps are immutable, generation never goes down, no finalizer may
     * be added once deletion started, and labels, annotations and owners are checked again.
     */
    public static List<Cause> validateUpdate(ObjectMeta newMeta, ObjectMeta oldMeta, String path) {
        List<Cause> causes = new ArrayList<>();
        if (oldMeta.getDeletionTimestamp() != null) {
            var added = new java.util.TreeSet<>(newMeta.getFinalizers() == null ? List.<String>of() : newMeta.getFinalizers());
            if (oldMeta.getFinalizers() != null) {
                added.removeAll(oldMeta.getFinalizers());
            }
            if (!added.isEmpty()) {
                causes.add(Cause.forbidden(path + ".finalizers", "no new finalizers can be added if the object is being deleted, "
                        + "found new finalizers " + goStringSlice(List.copyOf(added))));
            }
        }
        String resourceVersion = nullToEmpty(newMeta.getResourceVersion());
        if (resourceVersion.isEmpty()) {
            causes.add(Cause.invalid(path + ".resourceVersion", resourceVersion, "must be specified for an update"));
        }
        long newGeneration = newMeta.getGeneration() == null ? 0 : newMeta.getGeneration();
        long oldGeneration = oldMeta.getGeneration() == null ? 0 : oldMeta.getGeneration();
        if (newGeneration < oldGeneration) {
            causes.add(Cause.invalid(path + ".generation", newGeneration, "must not be decremented"));
        }
        immutable(causes, path + ".name", newMeta.getName(), oldMeta.getName());
        immutable(causes, path + ".namespace", newMeta.getNamespace(), oldMeta.getNamespace());
        immutable(causes, path + ".uid", newMeta.getUid(), oldMeta.getUid());
        immutable(causes, path + ".creationTimestamp", newMeta.getCreationTimestamp(), oldMeta.getCreationTimestamp());
        immutable(causes, path + ".deletionTimestamp", newMeta.getDeletionTimestamp(), oldMeta.getDeletionTimestamp());
        immutableCount(causes, path + ".deletionGracePeriodSeconds", newMeta.getDeletionGracePeriodSeconds(),
                oldMeta.getDeletionGracePeriodSeconds());
        causes.addAll(validateLabels(newMeta.getLabels(), path + ".labels"));
        causes.addAll(validateAnnotations(newMeta.getAnnotations(), path + ".annotations"));
        causes.addAll(validateOwnerReferences(newMeta.getOwnerReferences(), path + ".ownerReferences"));
        return causes;
    }

    private static void immutable(List<Cause> causes, String field, String newValue, String oldValue) {
        if (!nullToEmpty(newValue).equals(nullToEmpty(oldValue))) {
            causes.add(Cause.invalid(field, nullToEmpty(newValue), "field is immutable"));
        }
    }

    private static void immutableCount(List<Cause> causes, String field, Long newValue, Long oldValue) {
        if (!java.util.Objects.equals(newValue, oldValue)) {
            causes.add(rawInvalid(field, newValue == null ? "null" : newValue.toString(), "field is immutable"));
        }
    }

    /** Label keys are qualified names, values label values; upstream reports both at the map's path. */
    public static List<Cause> validateLabels(Map<String, String> labels, String path) {
        List<Cause> causes = new ArrayList<>();
        if (labels == null) {
            return causes;
        }
        new TreeMap<>(labels).forEach((k, v) -> {
            for (String msg : NameFormats.isQualifiedName(k)) {
                causes.add(Cause.invalid(path, k, msg));
            }
            String value = nullToEmpty(v);
            for (String msg : NameFormats.isValidLabelValue(value)) {
                causes.add(Cause.invalid(path, value, msg));
            }
        });
        return causes;
    }

    /** Annotation keys are qualified names compared case-insensitively; the whole map is size-limited. */
    public static List<Cause> validateAnnotations(Map<String, String> annotations, String path) {
        List<Cause> causes = new ArrayList<>();
        if (annotations == null) {
            return causes;
        }
        long total = 0;
        for (Map.Entry<String, String> e : new TreeMap<>(annotations).entrySet()) {
            for (String msg : NameFormats.isQualifiedName(e.getKey().toLowerCase(java.util.Locale.ROOT))) {
                causes.add(Cause.invalid(path, e.getKey(), msg));
            }
            total += NameFormats.len(e.getKey()) + NameFormats.len(nullToEmpty(e.getValue()));
        }
        if (total > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) {
            causes.add(Cause.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
        }
        return causes;
    }

    /** Each finalizer is a qualified name; "orphan" and "foregroundDeletion" exclude each other. */
    public static List<Cause> validateFinalizers(List<String> finalizers, String path) {
        List<Cause> causes = new ArrayList<>();
        if (finalizers == null) {
            return causes;
        }
        for (String f : finalizers) {
            for (String msg : NameFormats.isQualifiedName(nullToEmpty(f))) {
                causes.add(Cause.invalid(path, nullToEmpty(f), msg));
            }
        }
        if (finalizers.contains(FINALIZER_ORPHAN_DEPENDENTS) && finalizers.contains(FINALIZER_DELETE_DEPENDENTS)) {
            causes.add(rawInvalid(path, goStringSlice(finalizers), "finalizer " + FINALIZER_ORPHAN_DEPENDENTS + " and "
                    + FINALIZER_DELETE_DEPENDENTS + " cannot be both set"));
        }
        return causes;
    }

    /**
     * Each reference needs apiVersion (with a version), kind, name and uid; core/v1 Events may not own
     * anything; at most one reference may be the controller. Upstream reports at the list's path, unindexed.
     */
    public static List<Cause> validateOwnerReferences(List<OwnerReference> refs, String path) {
        List<Cause> causes = new ArrayList<>();
        if (refs == null) {
            return causes;
        }
        String firstController = null;
        for (OwnerReference ref : refs) {
            String apiVersion = nullToEmpty(ref.getApiVersion());
            String kind = nullToEmpty(ref.getKind());
            GroupVersionOf gv = GroupVersionOf.parse(apiVersion);
            if (gv.version().isEmpty()) {
                causes.add(Cause.invalid(path + ".apiVersion", apiVersion, "version must not be empty"));
            }
            if (kind.isEmpty()) {
                causes.add(Cause.invalid(path + ".kind", kind, "kind must not be empty"));
            }
            if (nullToEmpty(ref.getName()).isEmpty()) {
                causes.add(Cause.invalid(path + ".name", nullToEmpty(ref.getName()), "name must not be empty"));
            }
            if (nullToEmpty(ref.getUid()).isEmpty()) {
                causes.add(Cause.invalid(path + ".uid", nullToEmpty(ref.getUid()), "uid must not be empty"));
            }
            if (gv.group().isEmpty() && gv.version().equals("v1") && kind.equals("Event")) {
                causes.add(rawInvalid(path, describe(ref), "/v1, Kind=Event is disallowed from being an owner"));
            }
            if (Boolean.TRUE.equals(ref.getController())) {
                String current = kind + "/" + nullToEmpty(ref.getName());
                if (firstController != null) {
                    causes.add(rawInvalid(path, "[" + String.join(" ", refs.stream().map(ObjectMetaValidation::describe).toList()) + "]",
                            "Only one reference can have Controller set to true. Found \"true\" in references for "
                                    + firstController + " and " + current));
                } else {
                    firstController = current;
                }
            }
        }
        return causes;
    }

    /** apiVersion "group/version" or "version" (core); anything else has no version, as upstream parses it. */
    private record GroupVersionOf(String group, String version) {
        static GroupVersionOf parse(String apiVersion) {
            String[] parts = apiVersion.split("/", -1);
            return switch (parts.length) {
                case 1 -> new GroupVersionOf("", parts[0]);
                case 2 -> new GroupVersionOf(parts[0], parts[1]);
                default -> new GroupVersionOf("", "");
            };
        }
    }

    private static Cause rawInvalid(String field, String renderedValue, String detail) {
        return new Cause("FieldValueInvalid", field, "Invalid value: " + renderedValue + ": " + detail);
    }

    private static String describe(OwnerReference ref) {
        return "{" + ref.getApiVersion() + " " + ref.getKind() + " " + ref.getName() + " " + ref.getUid() + "}";
    }

    private static String goStringSlice(List<String> values) {
        return "[]string{" + String.join(", ", values.stream().map(v -> ApiException.goQuote(nullToEmpty(v))).toList()) + "}";
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
