package dev.skiff.registry.core.pod;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.api.validation.ObjectMetaValidation;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /** Upstream's pod-spec defaults, applied where the client left a field unset. */
    public static void setDefaults(PodTemplateSpec template) {
        if (template == null) {
            return;
        }
        PodSpec spec = template.getSpec();
        if (spec == null) {
            return;
        }
        if (isEmpty(spec.getRestartPolicy())) {
            spec.setRestartPolicy("Always");
        }
        if (isEmpty(spec.getDnsPolicy())) {
            spec.setDnsPolicy("ClusterFirst");
        }
        if (isEmpty(spec.getSchedulerName())) {
            spec.setSchedulerName("default-scheduler");
        }
        if (spec.getTerminationGracePeriodSeconds() == null) {
            spec.setTerminationGracePeriodSeconds(30L);
        }
        if (spec.getSecurityContext() == null) {
            spec.setSecurityContext(new PodSecurityContext());
        }
        containerDefaults(spec.getInitContainers());
        containerDefaults(spec.getContainers());
    }

    private static void containerDefaults(List<Container> containers) {
        if (containers == null) {
            return;
        }
        for (Container c : containers) {
            if (isEmpty(c.getImagePullPolicy())) {
                c.setImagePullPolicy(pullsAlways(c.getImage()) ? "Always" : "IfNotPresent");
            }
            if (isEmpty(c.getTerminationMessagePath())) {
                c.setTerminationMessagePath("/dev/termination-log");
            }
            if (isEmpty(c.getTerminationMessagePolicy())) {
                c.setTerminationMessagePolicy("File");
            }
            if (c.getPorts() != null) {
                for (ContainerPort p : c.getPorts()) {
                    if (isEmpty(p.getProtocol())) {
                        p.setProtocol("TCP");
                    }
                }
            }
        }
    }

    /** An image without tag or digest, or tagged :latest, is pulled every time (upstream's default). */
    static boolean pullsAlways(String image) {
        if (image == null || image.contains("@")) {
            return false;
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon <= slash || image.substring(colon + 1).equals("latest");
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
        Set<String> names = new HashSet<>();
        causes.addAll(containers(spec.getInitContainers(), specPath + ".initContainers", names));
        if (spec.getContainers() == null || spec.getContainers().isEmpty()) {
            causes.add(Cause.required(specPath + ".containers"));
        } else {
            causes.addAll(containers(spec.getContainers(), specPath + ".containers", names));
        }
        String restartPolicy = spec.getRestartPolicy() == null ? "" : spec.getRestartPolicy();
        if (restartPolicy.isEmpty()) {
            causes.add(Cause.required(specPath + ".restartPolicy"));
        } else if (!List.of("Always", "OnFailure", "Never").contains(restartPolicy)) {
            causes.add(Cause.notSupported(specPath + ".restartPolicy", restartPolicy, List.of("Always", "OnFailure", "Never")));
        } else if (!restartPolicies.contains(restartPolicy)) {
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

    private static List<Cause> containers(List<Container> containers, String path, Set<String> names) {
        List<Cause> causes = new ArrayList<>();
        if (containers == null) {
            return causes;
        }
        for (int i = 0; i < containers.size(); i++) {
            Container c = containers.get(i);
            String at = path + "[" + i + "]";
            String name = c.getName() == null ? "" : c.getName();
            if (name.isEmpty()) {
                causes.add(Cause.required(at + ".name"));
            } else {
                for (String msg : NameFormats.isDns1123Label(name)) {
                    causes.add(Cause.invalid(at + ".name", name, msg));
                }
                if (!names.add(name)) {
                    causes.add(Cause.duplicate(at + ".name", name));
                }
            }
            String image = c.getImage() == null ? "" : c.getImage();
            if (image.isBlank()) {
                causes.add(Cause.required(at + ".image"));
            }
            if (c.getImagePullPolicy() != null && !List.of("Always", "IfNotPresent", "Never").contains(c.getImagePullPolicy())) {
                causes.add(Cause.notSupported(at + ".imagePullPolicy", c.getImagePullPolicy(), List.of("Always", "IfNotPresent", "Never")));
            }
            if (c.getPorts() != null) {
                for (int p = 0; p < c.getPorts().size(); p++) {
                    Integer port = c.getPorts().get(p).getContainerPort();
                    if (port == null || port < 1 || port > 65535) {
                        causes.add(Cause.invalid(at + ".ports[" + p + "].containerPort", port == null ? 0 : port,
                                "must be between 1 and 65535, inclusive"));
                    }
                }
            }
        }
        return causes;
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }
}
