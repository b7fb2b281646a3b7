package dev.skiff.scheduler.framework;

/** An image's size on a node and how many nodes have it, as upstream's ImageStateSummary. */
public record ImageStateSummary(long size, int numNodes) {
}
