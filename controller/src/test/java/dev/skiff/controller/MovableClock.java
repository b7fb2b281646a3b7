package dev.skiff.controller;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the test sets, which then runs on in real time (events are named after the recorder's
 * clock in nanoseconds, so a clock standing still would give two events one name).
 */
public final class MovableClock extends Clock {
    private volatile Instant base;
    private volatile long setAtNanos;

    public MovableClock(Instant now) {
        set(now);
    }

    public void set(Instant now) {
        setAtNanos = System.nanoTime();
        base = now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return base.plusNanos(System.nanoTime() - setAtNanos);
    }
}
