package dev.skiff.agent.probe;

/** A probe's result with its output: the command's output, the HTTP body or the reason it failed, as upstream words it. */
public record ProbeOutcome(Result result, String output) {
    public static ProbeOutcome success(String output) {
        return new ProbeOutcome(Result.SUCCESS, output);
    }

    public static ProbeOutcome failure(String output) {
        return new ProbeOutcome(Result.FAILURE, output);
    }
}
