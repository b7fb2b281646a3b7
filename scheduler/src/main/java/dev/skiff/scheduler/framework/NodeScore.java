package dev.skiff.scheduler.framework;

/** A node's score from one plugin or in total. */
public record NodeScore(String name, long score) {
}
