package dev.skiff.controller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Upstream's ControllerExpectations (pkg/controller/controller_utils.go): after a controller asks for
 * N creations or deletions, it does not act on the object again until its informer has seen them, or
 * five minutes passed - so a lagging cache never makes it create or delete twice.
 */
public final class ControllerExpectations {
    /** Upstream's ExpectationsTimeout. */
    public static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final Clock clock;
    private final Map<String, Expectation> byKey = new ConcurrentHashMap<>();

    public ControllerExpectations(Clock clock) {
        this.clock = clock;
    }

    private record Expectation(long adds, long deletes, Instant since) {
    }

    /** True when nothing is pending for {@code key} (or what was pending has expired). */
    public boolean satisfied(String key) {
        Expectation e = byKey.get(key);
        if (e == null) {
            return true;
        }
        return (e.adds <= 0 && e.deletes <= 0) || clock.instant().isAfter(e.since.plus(TIMEOUT));
    }

    public void expectCreations(String key, int adds) {
        expect(key, adds, 0);
    }

    public void expectDeletions(String key, int deletes) {
        expect(key, 0, deletes);
    }

    /** Upstream's SetExpectations: both counts at once, replacing what was pending. */
    public void expect(String key, int adds, int deletes) {
        byKey.put(key, new Expectation(adds, deletes, clock.instant()));
    }

    /** A creation was observed (or will never happen because the request failed). */
    public void creationObserved(String key) {
        byKey.computeIfPresent(key, (k, e) -> new Expectation(e.adds - 1, e.deletes, e.since));
    }

    /** A deletion was observed (or will never happen because the request failed). */
    public void deletionObserved(String key) {
        byKey.computeIfPresent(key, (k, e) -> new Expectation(e.adds, e.deletes - 1, e.since));
    }

    public void delete(String key) {
        byKey.remove(key);
    }
}
