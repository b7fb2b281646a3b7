package dev.skiff.registry.core.pod;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.validation.ObjectMetaValidation;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pod template inside a workload (Deployment, Job, ...): the pod defaults upstream's
 * core/v1 SetDefaults_PodSpec / SetDefaults_Container apply to it, and the part of
 * ValidatePodTemplateSpec that skiff checks (containers, names, images, restartPolicy, labels).
 * Shared by every apps and batch strategy; the full pod rules belong to the pod strategy.
 */
public final class PodTemplates {
    private PodTemplates() {
    }

    /** Upstream's pod-spec defaults (the same SetDefaults_PodSpec a pod gets), applied where the client left a field unset. */
    public static void setDefaults(PodTemplateSpec template) {
        if (template != null && template.getSpec() != null) {
            PodDefaults.applySpec(template.getSpec());
        }
    }

    /**
     * The template's errors under {@code path} (e.g. "spec.template"). {@code restartPolicies} are
     * the values the owner allows (Always for apps, OnFailure/Never for jobs).
     */
    public static List<Cause> validate(PodTemplateSpec template, String path, List<String> restartPolicies) {
        List<Cause> causes = new ArrayList<>();
        if (template == null) {
            causes.add(Cause.required(path, ""));
            return causes;
        }
        ObjectMeta meta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
        causes.addAll(ObjectMetaValidation.validateLabels(meta.getLabels(), path + ".metadata.labels"));
        causes.addAll(ObjectMetaValidation.validateAnnotations(meta.getAnnotations(), path + ".metadata.annotations"));
        PodSpec spec = template.getSpec() == null ? new PodSpec() : template.getSpec();
        String specPath = path + ".spec";
        causes.addAll(PodValidation.validateSpec(spec, specPath));
        String restartPolicy = spec.getRestartPolicy();
        if (PodValidation.RESTART_POLICIES.contains(restartPolicy) && !restartPolicies.contains(restartPolicy)) {
            causes.add(Cause.notSupported(specPath + ".restartPolicy", restartPolicy, restartPolicies));
        }
        if (spec.getTerminationGracePeriodSeconds() != null && spec.getTerminationGracePeriodSeconds() < 0) {
            causes.add(Cause.invalid(specPath + ".terminationGracePeriodSeconds", spec.getTerminationGracePeriodSeconds(),
                    "must be greater than or equal to 0"));
        }
        return causes;
    }

    /**
     * A workload's selector against its template, as upstream's apps/batch validation: required,
     * not empty ({@code emptyMessage}, e.g. "empty selector is invalid for deployment"; null when an
     * empty selector is allowed), valid, and matching the template's labels.
     */
    public static List<Cause> validateSelector(LabelSelector selector, PodTemplateSpec template, String specPath,
                                               String emptyMessage) {
        List<Cause> causes = new ArrayList<>();
        String path = specPath + ".selector";
        if (selector == null) {
            causes.add(Cause.required(path));
            return causes;
        }
        boolean empty = size(selector.getMatchLabels()) + size(selector.getMatchExpressions()) == 0;
        if (empty && emptyMessage != null) {
            causes.add(new Cause("FieldValueInvalid", path, "Invalid value: " + goSelector(selector) + ": " + emptyMessage));
        }
        causes.addAll(ObjectMetaValidation.validateLabels(selector.getMatchLabels(), path + ".matchLabels"));
        dev.skiff.api.selector.LabelSelector parsed;
        try {
            parsed = dev.skiff.api.selector.LabelSelector.from(selector);
        } catch (ApiException e) {
            causes.add(new Cause("FieldValueInvalid", path, "Invalid value: " + goSelector(selector) + ": invalid label selector"));
            return causes;
        }
        Map<String, String> labels = template == null || template.getMetadata() == null ? null : template.getMetadata().getLabels();
        if (!empty && !parsed.matches(labels == null ? Map.of() : labels)) {
            causes.add(new Cause("FieldValueInvalid", specPath + ".template.metadata.labels",
                    "Invalid value: " + goMap(labels) + ": `selector` does not match template `labels`"));
        }
        return causes;
    }

    /** Go's %#v of a map[string]string, as upstream prints an invalid labels value: keys sorted. */
    public static String goMap(Map<String, String> map) {
        if (map == null) {
            return "map[string]string(nil)";
        }
        StringBuilder sb = new StringBuilder("map[string]string{");
        String sep = "";
        for (var e : new TreeMap<>(map).entrySet()) {
            sb.append(sep).append(ApiException.goQuote(e.getKey())).append(':').append(ApiException.goQuote(e.getValue()));
            sep = ", ";
        }
        return sb.append('}').toString();
    }

    public static String goSelector(LabelSelector selector) {
        return "v1.LabelSelector{MatchLabels:" + goMap(selector.getMatchLabels()) + ", MatchExpressions:[]v1.LabelSelectorRequirement"
                + (size(selector.getMatchExpressions()) == 0 ? "(nil)" : "{...}") + "}";
    }

    private static int size(java.util.Collection<?> c) {
        return c == null ? 0 : c.size();
    }

    private static int size(Map<?, ?> m) {
        return m == null ? 0 : m.size();
    }
}
