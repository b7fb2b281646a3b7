package dev.skiff.agent.probe;

/** What one probe run found (upstream: pkg/probe's Result): the words are upstream's, as they appear in event messages. */
public enum Result {
    SUCCESS("success"),
    /** Succeeded, with something worth telling (an HTTP redirect to another host not followed). */
    WARNING("warning"),
    FAILURE("failure"),
    UNKNOWN("unknown");

    private final String word;

    Result(String word) {
        this.word = word;
    }

    @Override
    public String toString() {
        return word;
    }
}
