package dev.skiff.apiserver.audit;

/** When in a request's life an audit event is generated (audit.k8s.io/v1 Stage). */
public enum Stage {
    /** As soon as the request is authenticated, before anything else. */
    RequestReceived,
    /** Once the response's headers went out, for long-running requests (watch, exec, logs) only. */
    ResponseStarted,
    /** Once the response is complete. */
    ResponseComplete,
    /** The handler failed unexpectedly (upstream: panicked). */
    Panic
}
