package dev.skiff.apiserver.admission.podsecurity;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.audit.Auditor;
import dev.skiff.apiserver.admission.AdmissionPlugin;
import dev.skiff.apiserver.admission.ObjectAttributes;
import dev.skiff.apiserver.admission.podsecurity.Checks.Failure;
import dev.skiff.apiserver.admission.podsecurity.Policy.Level;
import dev.skiff.apiserver.admission.podsecurity.Policy.LevelVersion;
import dev.skiff.registry.generic.StoreHooks;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Upstream's PodSecurity admission plugin (plugin/pkg/admission/security/podsecurity over
 * k8s.io/pod-security-admission), validating the decoded object against its namespace's
 * {@link Policy}. Pods (created, or updated in a way that matters: images, containers added) that
 * fail the enforce level are refused with 403 "pods \"x\" is forbidden: violates PodSecurity
 * \"restricted:latest\": reason (detail), ..."; admitted ones that fail the warn level get a
 * "would violate PodSecurity ..." warning. Workload resources with a pod template (replication
 * controllers, pod templates, replica sets, deployments, stateful sets, daemon sets, jobs, cron jobs)
 * are never refused, only warned. Namespaces with invalid labels are refused on create (422), and on
 * update when the label errors changed; making an enforce level stricter warns about the namespace's
 * existing pods that would fail it (at most 3000, for at most a second). Pod subresources that
 * cannot change the spec (status, binding, eviction, exec, ...) are not checked. The
 * {@link PodSecurityConfiguration} (from the admission configuration file) gives the policy of
 * unlabelled namespaces and the exemptions: requests in exempt namespaces or by exempt users, and
 * pods of exempt runtime classes, are not checked; labelling an exempt namespace warns that its
 * policy will be ignored. What it decided goes on the request's audit event as upstream's annotations:
 * {@code pod-security.kubernetes.io/enforce-policy} (the level a pod was checked against),
 * {@code .../audit-violations} (a pod or workload failing the namespace's audit level) and
 * {@code .../exempt} (user, namespace or runtimeClass).
 */
public final class PodSecurity implements AdmissionPlugin {
    public static final String NAME = "PodSecurity";
    /** Upstream's audit annotations (k8s.io/pod-security-admission/api). */
    public static final String ENFORCE_POLICY_ANNOTATION = Policy.PREFIX + "enforce-policy";
    public static final String AUDIT_VIOLATIONS_ANNOTATION = Policy.PREFIX + "audit-violations";
    public static final String EXEMPT_ANNOTATION = Policy.PREFIX + "exempt";
    static final int MAX_PODS_TO_CHECK = 3000;
    static final Duration POD_CHECK_TIMEOUT = Duration.ofSeconds(1);
    private static final Set<String> IGNORED_POD_SUBRESOURCES = Set.of("exec", "attach", "binding", "eviction", "log", "portforward",
            "proxy", "status");
    private static final Set<String> WORKLOADS = Set.of("/replicationcontrollers", "/podtemplates", "apps/replicasets", "apps/deployments",
            "apps/statefulsets", "apps/daemonsets", "batch/jobs", "batch/cronjobs");

    private final Function<String, Optional<Namespace>> namespaces;
    private final Function<String, List<Pod>> pods;
    private final Clock clock;
    private final PodSecurityConfiguration configuration;

    /** {@code namespaces}: the namespace of a name if it exists; {@code pods}: a namespace's pods. */
    public PodSecurity(Function<String, Optional<Namespace>> namespaces, Function<String, List<Pod>> pods, Clock clock,
                       PodSecurityConfiguration configuration) {
        this.namespaces = namespaces;
        this.pods = pods;
        this.clock = clock;
        this.configuration = configuration;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StoreHooks.Transaction validateObject(ObjectAttributes a) {
        var info = a.request();
        String resource = info.apiGroup() + "/" + info.resource();
        if (resource.equals("/namespaces")) {
            validateNamespace(a);
        } else if (resource.equals("/pods")) {
            validatePod(a);
        } else if (WORKLOADS.contains(resource) && info.subresource().isEmpty()) {
            validateWorkload(a);
        }
        return StoreHooks.Transaction.NONE;
    }

    private void validateNamespace(ObjectAttributes a) {
        if (!a.request().subresource().isEmpty()) {
            return;
        }
        Namespace namespace = (Namespace) a.object();
        var parsed = Policy.fromLabels(namespace.getMetadata().getLabels(), configuration.defaults());
        if (a.create()) {
            if (!parsed.errors().isEmpty()) {
                throw ApiException.invalid("", "Namespace", namespace.getMetadata().getName(), parsed.errors());
            }
            warnIfExempt(a, namespace, parsed.policy());
            return;
        }
        var old = Policy.fromLabels(a.old().getMetadata().getLabels(), configuration.defaults());
        if (!parsed.errors().isEmpty() && (old.errors().isEmpty() || !parsed.errors().equals(old.errors()))) {
            throw ApiException.invalid("", "Namespace", namespace.getMetadata().getName(), parsed.errors());
        }
        LevelVersion enforce = parsed.policy().enforce();
        LevelVersion before = old.policy().enforce();
        if (enforce.equals(before) || enforce.level() == Level.PRIVILEGED
                || (enforce.version().equals(before.version()) && enforce.level().compareTo(before.level()) <= 0)) {
            return;
        }
        if (warnIfExempt(a, namespace, parsed.policy())) {
            return;
        }
        evaluatePodsInNamespace(namespace.getMetadata().getName(), enforce).forEach(a.warnings()::add);
    }

    /**
     * For an exempt namespace: upstream's warning that the non-privileged modes its labels set will be ignored (none when
     * the policy is privileged or the configured default). True when the namespace is exempt.
     */
    private boolean warnIfExempt(ObjectAttributes a, Namespace namespace, Policy policy) {
        String name = namespace.getMetadata().getName();
        if (!configuration.exemptNamespace(name)) {
            return false;
        }
        if (policy.fullyPrivileged() || policy.equivalent(configuration.defaults())) {
            return true;
        }
        Map<String, String> labels = namespace.getMetadata().getLabels();
        List<String> modes = new ArrayList<>();
        for (var mode : List.of(Map.entry(Policy.ENFORCE, policy.enforce()), Map.entry(Policy.AUDIT, policy.audit()),
                Map.entry(Policy.WARN, policy.warn()))) {
            if (mode.getValue().level() != Level.PRIVILEGED && (labels.containsKey(mode.getKey()) || labels.containsKey(mode.getKey() + "-version"))) {
                modes.add(mode.getKey().substring(Policy.PREFIX.length()) + "=" + mode.getValue());
            }
        }
        a.warnings().add("namespace " + ApiException.goQuote(name) + " is exempt from Pod Security, and the policy (" + String.join(", ", modes)
                + ") will be ignored");
        return true;
    }

    /** The namespace or user exemptions that skip a pod or workload request before its namespace is looked at. */
    private boolean exempt(ObjectAttributes a) {
        String why = configuration.exemptNamespace(a.object().getMetadata().getNamespace()) ? "namespace"
                : configuration.exemptUser(a.user().name()) ? "user" : null;
        if (why != null) {
            Auditor.addAnnotation(EXEMPT_ANNOTATION, why);
        }
        return why != null;
    }

    private void validatePod(ObjectAttributes a) {
        if (IGNORED_POD_SUBRESOURCES.contains(a.request().subresource()) || exempt(a)) {
            return;
        }
        var parsed = policy(a);
        Pod pod = (Pod) a.object();
        if (!a.create() && !significantUpdate(pod, (Pod) a.old())) {
            return;
        }
        if (parsed.errors().isEmpty() && parsed.policy().fullyPrivileged()) {
            Auditor.addAnnotation(ENFORCE_POLICY_ANNOTATION, parsed.policy().enforce().toString());
            return;
        }
        evaluate(a, parsed.policy(), pod.getMetadata(), pod.getSpec(), true);
    }

    private void validateWorkload(ObjectAttributes a) {
        if (exempt(a)) {
            return;
        }
        Policy.Parsed parsed;
        try {
            parsed = policy(a);
        } catch (ApiException e) {
            return; // upstream admits the workload and notes the failed lookup in the audit log
        }
        if (parsed.errors().isEmpty() && parsed.policy().warn().level() == Level.PRIVILEGED
                && parsed.policy().audit().level() == Level.PRIVILEGED) {
            return;
        }
        PodTemplateSpec template = template(a.object());
        if (template == null) {
            return;
        }
        evaluate(a, parsed.policy(), template.getMetadata(), template.getSpec() == null ? new PodSpec() : template.getSpec(), false);
    }

    private Policy.Parsed policy(ObjectAttributes a) {
        String name = a.object().getMetadata().getNamespace();
        Namespace namespace = namespaces.apply(name)
                .orElseThrow(() -> ApiException.internal("failed to lookup namespace " + ApiException.goQuote(name)));
        return Policy.fromLabels(namespace.getMetadata().getLabels(), configuration.defaults());
    }

    /** EvaluatePod: pods of an exempt runtime class pass; a failed enforce level refuses (when enforced), else a failed warn level warns. */
    private void evaluate(ObjectAttributes a, Policy policy, ObjectMeta meta, PodSpec spec, boolean enforce) {
        if (configuration.exemptRuntimeClass(spec.getRuntimeClassName())) {
            Auditor.addAnnotation(EXEMPT_ANNOTATION, "runtimeClass");
            return;
        }
        Map<LevelVersion, List<Failure>> results = new LinkedHashMap<>();
        List<Failure> failures = List.of();
        if (enforce) {
            Auditor.addAnnotation(ENFORCE_POLICY_ANNOTATION, policy.enforce().toString());
            failures = results.computeIfAbsent(policy.enforce(), lv -> Checks.evaluate(lv, meta, spec));
        }
        // the audit level is evaluated whether or not the pod is refused, as upstream: its violations go on the audit event
        List<Failure> audit = Auditor.recording() ? results.computeIfAbsent(policy.audit(), lv -> Checks.evaluate(lv, meta, spec)) : List.of();
        if (!audit.isEmpty()) {
            Auditor.addAnnotation(AUDIT_VIOLATIONS_ANNOTATION,
                    "would violate PodSecurity " + ApiException.goQuote(policy.audit().toString()) + ": " + Checks.details(audit));
        }
        if (enforce) {
            if (!failures.isEmpty()) {
                var name = a.request().name().isEmpty() ? a.object().getMetadata().getName() : a.request().name();
                throw ApiException.forbidden(a.request().apiGroup(), a.request().resource(), Objects.requireNonNullElse(name, ""),
                        "violates PodSecurity " + ApiException.goQuote(policy.enforce().toString()) + ": " + Checks.details(failures));
            }
        }
        List<Failure> warn = results.computeIfAbsent(policy.warn(), lv -> Checks.evaluate(lv, meta, spec));
        if (!warn.isEmpty()) {
            a.warnings().add("would violate PodSecurity " + ApiException.goQuote(policy.warn().toString()) + ": " + Checks.details(warn));
        }
    }

    /** EvaluatePodsInNamespace: one warning per distinct set of reasons, naming the first pod (by name) with it and how many others. */
    List<String> evaluatePodsInNamespace(String namespace, LevelVersion enforce) {
        Instant deadline = clock.instant().plus(POD_CHECK_TIMEOUT);
        List<Pod> all = prioritized(pods.apply(namespace));
        int total = all.size();
        List<Pod> toCheck = all.size() > MAX_PODS_TO_CHECK ? all.subList(0, MAX_PODS_TO_CHECK) : all;
        int checked = toCheck.size();
        Map<String, String[]> firstPod = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < toCheck.size(); i++) {
            Pod pod = toCheck.get(i);
            List<Failure> failures = Checks.evaluate(enforce, pod.getMetadata(), pod.getSpec() == null ? new PodSpec() : pod.getSpec());
            if (!failures.isEmpty()) {
                String reasons = Checks.reasons(failures);
                String name = pod.getMetadata().getName();
                firstPod.merge(reasons, new String[] {name}, (x, y) -> y[0].compareTo(x[0]) < 0 ? y : x);
                counts.merge(reasons, 1, Integer::sum);
            }
            if (clock.instant().isAfter(deadline)) {
                checked = i + 1;
                break;
            }
        }
        List<String> warnings = new ArrayList<>();
        if (checked < total) {
            warnings.add("new PodSecurity enforce level only checked against the first " + checked + " of " + total + " existing pods");
        }
        if (!counts.isEmpty()) {
            warnings.add("existing pods in namespace " + ApiException.goQuote(namespace) + " violate the new PodSecurity enforce level "
                    + ApiException.goQuote(enforce.toString()));
        }
        List<String> podWarnings = new ArrayList<>();
        counts.forEach((reasons, count) -> {
            String name = firstPod.get(reasons)[0];
            podWarnings.add(switch (count) {
                case 1 -> name + ": " + reasons;
                case 2 -> name + " (and 1 other pod): " + reasons;
                default -> name + " (and " + (count - 1) + " other pods): " + reasons;
            });
        });
        podWarnings.sort(null);
        warnings.addAll(podWarnings);
        return warnings;
    }

    /** prioritizePods: pods of exempt runtime classes left out, one pod of each controller first, then the others of the same controllers. */
    private List<Pod> prioritized(List<Pod> pods) {
        List<Pod> first = new ArrayList<>();
        List<Pod> duplicates = new ArrayList<>();
        Set<String> controllers = new HashSet<>();
        for (Pod pod : pods) {
            if (pod.getSpec() != null && configuration.exemptRuntimeClass(pod.getSpec().getRuntimeClassName())) {
                continue;
            }
            String controller = controllerUid(pod);
            if (controller == null || controllers.add(controller)) {
                first.add(pod);
            } else {
                duplicates.add(pod);
            }
        }
        first.addAll(duplicates);
        return first;
    }

    private static String controllerUid(Pod pod) {
        List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
        if (owners == null) {
            return null;
        }
        return owners.stream().filter(o -> Boolean.TRUE.equals(o.getController())).map(OwnerReference::getUid).findFirst().orElse(null);
    }

    /** isSignificantPodUpdate: containers added or removed, an image changed, an ephemeral container added or changed. */
    static boolean significantUpdate(Pod pod, Pod old) {
        var spec = pod.getSpec();
        var oldSpec = old.getSpec();
        if (!sameImages(spec.getContainers(), oldSpec.getContainers()) || !sameImages(spec.getInitContainers(), oldSpec.getInitContainers())) {
            return true;
        }
        Map<String, String> oldEphemeral = new LinkedHashMap<>();
        orEmpty(oldSpec.getEphemeralContainers()).forEach(c -> oldEphemeral.put(c.getName(), Objects.toString(c.getImage(), "")));
        for (EphemeralContainer c : orEmpty(spec.getEphemeralContainers())) {
            String image = oldEphemeral.get(c.getName());
            if (image == null || !image.equals(Objects.toString(c.getImage(), ""))) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameImages(List<Container> containers, List<Container> old) {
        List<Container> a = orEmpty(containers);
        List<Container> b = orEmpty(old);
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Objects.equals(a.get(i).getImage(), b.get(i).getImage())) {
                return false;
            }
        }
        return true;
    }

    /** DefaultPodSpecExtractor: the workload's pod template. */
    private static PodTemplateSpec template(HasMetadata object) {
        return switch (object) {
            case PodTemplate t -> t.getTemplate();
            case ReplicationController rc -> rc.getSpec() == null ? null : rc.getSpec().getTemplate();
            case ReplicaSet rs -> rs.getSpec() == null ? null : rs.getSpec().getTemplate();
            case Deployment d -> d.getSpec() == null ? null : d.getSpec().getTemplate();
            case DaemonSet ds -> ds.getSpec() == null ? null : ds.getSpec().getTemplate();
            case StatefulSet ss -> ss.getSpec() == null ? null : ss.getSpec().getTemplate();
            case Job j -> j.getSpec() == null ? null : j.getSpec().getTemplate();
            case CronJob cj -> cj.getSpec() == null || cj.getSpec().getJobTemplate() == null || cj.getSpec().getJobTemplate().getSpec() == null
                    ? null : cj.getSpec().getJobTemplate().getSpec().getTemplate();
            default -> null;
        };
    }

    private static <X> List<X> orEmpty(List<X> list) {
        return list == null ? List.of() : list;
    }
}
