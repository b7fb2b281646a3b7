package dev.skiff.scheduler.framework;

import java.util.List;

/**
 * The outcome of running a plugin, as upstream's framework.Status: a code, the reasons (each
 * counted separately in the FitError histogram) and the plugin that produced it.
 */
public record Status(Code code, List<String> reasons, String plugin) {
    private static final Status SUCCESS = new Status(Code.SUCCESS, List.of(), null);
    private static final Status SKIP = new Status(Code.SKIP, List.of(), null);

    public Status {
        reasons = List.copyOf(reasons);
    }

    public static Status success() {
        return SUCCESS;
    }

    public static Status skip() {
        return SKIP;
    }

    public static Status of(Code code, String... reasons) {
        return new Status(code, List.of(reasons), null);
    }

    public static Status unschedulable(String... reasons) {
        return of(Code.UNSCHEDULABLE, reasons);
    }

    public static Status unresolvable(String... reasons) {
        return of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, reasons);
    }

    public static Status error(String reason) {
        return of(Code.ERROR, reason);
    }

    public Status withPlugin(String name) {
        return plugin != null || code == Code.SUCCESS ? this : new Status(code, reasons, name);
    }

    public boolean isSuccess() {
        return code == Code.SUCCESS;
    }

    public boolean isSkip() {
        return code == Code.SKIP;
    }

    /** Unschedulable or UnschedulableAndUnresolvable, as upstream's IsRejected. */
    public boolean isRejected() {
        return code == Code.UNSCHEDULABLE || code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE;
    }

    /** The reasons joined by ", ", as upstream's Message(). */
    public String message() {
        return String.join(", ", reasons);
    }
}
