package dev.skiff.api.quota;

import java.util.List;
import java.util.Optional;

/**
 * The evaluators quota knows (upstream's install.NewQuotaConfigurationForAdmission and the core
 * evaluators): pods, services and persistent volume claims measured in full, configmaps, secrets,
 * replication controllers and resource quotas counted under their plain names too, and any other
 * resource counted as {@code count/<resource>.<group>}.
 */
public final class Evaluators {
    private static final List<Evaluator> CORE = List.of(new PodEvaluator(), new ServiceEvaluator(), new PersistentVolumeClaimEvaluator(),
            new ObjectCountEvaluator("", "configmaps", "configmaps"), new ObjectCountEvaluator("", "secrets", "secrets"),
            new ObjectCountEvaluator("", "replicationcontrollers", "replicationcontrollers"),
            new ObjectCountEvaluator("", "resourcequotas", "resourcequotas"));

    private Evaluators() {
    }

    /** The evaluators of the core resources quota measures. */
    public static List<Evaluator> core() {
        return CORE;
    }

    /** The evaluator of {@code group}/{@code resource}: a core one, or an object count. */
    public static Evaluator forResource(String group, String resource) {
        return CORE.stream().filter(e -> e.group().equals(group) && e.resource().equals(resource)).findFirst()
                .orElseGet(() -> new ObjectCountEvaluator(group, resource, null));
    }

    /** A resource by API group ("" for core) and plural name. */
    public record GroupResource(String group, String resource) {
    }

    /** The resource a {@code count/<resource>[.<group>]} name counts; empty for other names. */
    public static Optional<GroupResource> countedResource(String name) {
        if (!name.startsWith("count/")) {
            return Optional.empty();
        }
        String rest = name.substring("count/".length());
        int dot = rest.indexOf('.');
        return Optional.of(dot < 0 ? new GroupResource("", rest) : new GroupResource(rest.substring(dot + 1), rest.substring(0, dot)));
    }
}
