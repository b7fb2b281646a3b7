package dev.skiff.scheduler.framework;

/** A preferred (anti-)affinity term with its weight. */
public record WeightedAffinityTerm(AffinityTerm term, int weight) {
}
