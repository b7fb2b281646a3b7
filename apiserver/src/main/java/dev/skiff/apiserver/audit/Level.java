package dev.skiff.apiserver.audit;

/** How much of a request an audit event records (audit.k8s.io/v1 Level), in increasing order. */
public enum Level {
    /** Not logged at all. */
    None,
    /** Who, what, when and the answer's status; no bodies. */
    Metadata,
    /** Metadata and the request's body. */
    Request,
    /** Metadata and both bodies. */
    RequestResponse;

    public boolean less(Level other) {
        return compareTo(other) < 0;
    }
}
