package io.socketserve.internal;

import java.time.Duration;

/**
 * Whether the backend has shown trouble lately. After any sign of it (a failed heartbeat, a lost log
 * subscription) expiry and presence-lapse sweeps are suspended for one session timeout, so that
 * attached sessions whose refreshes failed are not expired for the backend's fault.
 */
final class BackendHealth {

    private final long suspendMillis;
    private volatile long suspendedUntil;

    BackendHealth(Duration sessionTimeout) {
        this.suspendMillis = sessionTimeout.toMillis();
    }

    /** Called on any sign of backend unavailability. */
    void trouble() {
        suspendedUntil = System.currentTimeMillis() + suspendMillis;
    }

    /** Whether sweeps are suspended now. */
    boolean sweepsSuspended() {
        return System.currentTimeMillis() < suspendedUntil;
    }
}
