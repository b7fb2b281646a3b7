package dev.skiff.scheduler.framework;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import java.util.List;

/**
 * A pod with its affinity terms parsed once and its requests computed once, as upstream's
 * framework.PodInfo. Immutable.
 */
public record PodInfo(Pod pod, String key, List<AffinityTerm> requiredAffinityTerms,
                      List<AffinityTerm> requiredAntiAffinityTerms, List<WeightedAffinityTerm> preferredAffinityTerms,
                      List<WeightedAffinityTerm> preferredAntiAffinityTerms, Resource requests, Resource nonZeroRequests) {

    public static PodInfo of(Pod pod) {
        Affinity a = pod.getSpec().getAffinity();
        List<PodAffinityTerm> reqAff = List.of();
        List<PodAffinityTerm> reqAnti = List.of();
        List<WeightedPodAffinityTerm> prefAff = List.of();
        List<WeightedPodAffinityTerm> prefAnti = List.of();
        if (a != null && a.getPodAffinity() != null) {
            reqAff = orEmpty(a.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
            prefAff = orEmpty(a.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution());
        }
        if (a != null && a.getPodAntiAffinity() != null) {
            reqAnti = orEmpty(a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
            prefAnti = orEmpty(a.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution());
        }
        return new PodInfo(pod, key(pod),
                reqAff.stream().map(t -> AffinityTerm.of(pod, t)).toList(),
                reqAnti.stream().map(t -> AffinityTerm.of(pod, t)).toList(),
                prefAff.stream().map(t -> new WeightedAffinityTerm(AffinityTerm.of(pod, t.getPodAffinityTerm()), t.getWeight())).toList(),
                prefAnti.stream().map(t -> new WeightedAffinityTerm(AffinityTerm.of(pod, t.getPodAffinityTerm()), t.getWeight())).toList(),
                PodRequests.of(pod), PodRequests.nonZero(pod));
    }

    public static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    public boolean hasAffinity() {
        return !requiredAffinityTerms.isEmpty() || !requiredAntiAffinityTerms.isEmpty()
                || !preferredAffinityTerms.isEmpty() || !preferredAntiAffinityTerms.isEmpty();
    }

    private static <T> List<T> orEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }
}
