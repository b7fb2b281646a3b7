package dev.skiff.apiserver.request;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.authn.UserInfo;
import java.util.concurrent.Semaphore;

/**
 * The in-flight limits of kube-apiserver without priority-and-fairness: at most
 * --max-requests-inflight read-only and --max-mutating-requests-inflight mutating requests at
 * once (0 = unlimited); the next one gets 429 with Retry-After: 1. Long-running requests are not
 * counted, and system:masters is never turned away, as upstream (it is how an admin repairs an
 * overloaded cluster).
 */
public final class MaxInFlightLimit {
    public static final int RETRY_AFTER_SECONDS = 1;

    private final Semaphore readOnly;
    private final Semaphore mutating;

    public MaxInFlightLimit(int maxReadOnly, int maxMutating) {
        this.readOnly = maxReadOnly > 0 ? new Semaphore(maxReadOnly) : null;
        this.mutating = maxMutating > 0 ? new Semaphore(maxMutating) : null;
    }

    /** A permit to close when the request is done, or 429 TooManyRequests. */
    public Permit acquire(RequestInfo info, UserInfo user) {
        if (info.longRunning()) {
            return Permit.NONE;
        }
        Semaphore limit = info.mutating() ? mutating : readOnly;
        if (limit == null) {
            return Permit.NONE;
        }
        if (limit.tryAcquire()) {
            return new Permit(limit);
        }
        if (user.inGroup(UserInfo.MASTERS_GROUP)) {
            return Permit.NONE;
        }
        throw ApiException.tooManyRequests("Too many requests, please try again later.");
    }

    /** Held for the life of a request; closing twice releases once. */
    public static final class Permit implements AutoCloseable {
        static final Permit NONE = new Permit(null);
        private Semaphore held;

        private Permit(Semaphore held) {
            this.held = held;
        }

        @Override
        public synchronized void close() {
            if (held != null) {
                held.release();
                held = null;
            }
        }
    }
}
