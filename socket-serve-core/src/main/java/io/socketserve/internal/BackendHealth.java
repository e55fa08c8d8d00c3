package io.socketserve.internal;

import java.time.Duration;

/**
 * Whether the backend has shown trouble lately. After any sign of it (a failed heartbeat, a lost log
 * subscription) expiry and presence-lapse sweeps are suspended for one session timeout, so that
 * attached sessions whose refreshes failed are not expired for the backend's fault; and the {@link
 * ReaderWatch} counts a stalled log reader from the last sign of it at the earliest.
 */
final class BackendHealth {

    private final long suspendMillis;
    private volatile long suspendedUntil;
    private volatile long lastTrouble;

    BackendHealth(Duration sessionTimeout) {
        this.suspendMillis = sessionTimeout.toMillis();
    }

    /** Called on any sign of backend unavailability. */
    void trouble() {
        long now = System.currentTimeMillis();
        lastTrouble = now;
        suspendedUntil = now + suspendMillis;
    }

    /** When {@link #trouble()} was last called (epoch milliseconds), 0 if never. */
    long lastTroubleMillis() {
        return lastTrouble;
    }

    /** Whether sweeps are suspended now. */
    boolean sweepsSuspended() {
        return System.currentTimeMillis() < suspendedUntil;
    }
}
