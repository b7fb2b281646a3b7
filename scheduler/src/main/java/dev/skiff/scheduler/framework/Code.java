package dev.skiff.scheduler.framework;

/** Upstream's framework status codes. */
public enum Code {
    SUCCESS, ERROR, UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE, WAIT, SKIP, PENDING
}
