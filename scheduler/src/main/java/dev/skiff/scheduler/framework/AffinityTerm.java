package dev.skiff.scheduler.framework;

import dev.skiff.api.selector.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A parsed pod (anti-)affinity term, as upstream's framework.AffinityTerm: the namespaces it
 * selects (the pod's own when neither namespaces nor a namespaceSelector is given), the label
 * selector and the topology key.
 */
public record AffinityTerm(Set<String> namespaces, LabelSelector selector, String topologyKey,
                           LabelSelector namespaceSelector) {

    public static AffinityTerm of(Pod owner, PodAffinityTerm term) {
        Set<String> namespaces = term.getNamespaces() == null ? Set.of() : Set.copyOf(term.getNamespaces());
        LabelSelector nsSelector = term.getNamespaceSelector() == null ? LabelSelector.nothing()
                : LabelSelector.from(term.getNamespaceSelector());
        if (namespaces.isEmpty() && term.getNamespaceSelector() == null) {
            namespaces = Set.of(owner.getMetadata().getNamespace());
        }
        return new AffinityTerm(namespaces, LabelSelector.from(term.getLabelSelector()), term.getTopologyKey(), nsSelector);
    }

    /** Whether the pod, in a namespace with these labels, is selected by this term. */
    public boolean matches(Pod pod, Map<String, String> namespaceLabels) {
        return matches(pod, ns -> namespaceLabels);
    }

    /**
     * Whether the pod is selected by this term, with its namespace's labels looked up only when the
     * term has a namespaceSelector and does not list the namespace (InterPodAffinity asks this for
     * every pod in the cluster, nearly always of terms without one).
     */
    public boolean matches(Pod pod, Function<String, Map<String, String>> namespaceLabels) {
        String ns = pod.getMetadata().getNamespace();
        boolean nsMatch = namespaces.contains(ns) || namespaceSelector.isEmpty()
                || !namespaceSelector.matchesNothing() && namespaceSelector.matches(namespaceLabels.apply(ns));
        return nsMatch && selector.matches(pod.getMetadata().getLabels());
    }
}
