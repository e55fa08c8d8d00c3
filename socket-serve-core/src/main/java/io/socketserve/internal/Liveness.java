package io.socketserve.internal;

import io.socketserve.DisconnectReason;
import io.socketserve.spi.Backend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session expiry. A session with no stream and no poll for {@link
 * io.socketserve.ServerOptions#sessionTimeout()} expires: requests and attached streams push its
 * expiry forward (at most every tenth of the timeout per session, so a chatty client does not cost a
 * backend call per message), and a sweep any instance may run ends expired sessions, exactly once.
 * Sweeps pause while {@link BackendHealth} reports trouble.
 */
final class Liveness {

    private static final Logger log = LoggerFactory.getLogger(Liveness.class);
    // backend failures come in floods while it is down: each kind writes one WARN per interval
    private final RateLimitedWarning touchFailed = new RateLimitedWarning(log, Duration.ofSeconds(10));
    private final RateLimitedWarning heartbeatFailed = new RateLimitedWarning(log, Duration.ofSeconds(10));
    private final RateLimitedWarning expiryFailed = new RateLimitedWarning(log, Duration.ofSeconds(10));
    private final RateLimitedWarning sweepFailed = new RateLimitedWarning(log, Duration.ofSeconds(10));
    private static final int SWEEP_BATCH = 512;

    private final Backend backend;
    private final Dispatcher dispatcher;
    private final Sessions sessions;
    private final BackendHealth health;
    private final long timeoutMillis;
    /** When this instance last refreshed each session (entries older than the interval are dropped). */
    private final ConcurrentHashMap<String, Long> lastTouch = new ConcurrentHashMap<>();

    Liveness(Backend backend, Dispatcher dispatcher, Sessions sessions, BackendHealth health, Duration sessionTimeout) {
        this.backend = backend;
        this.dispatcher = dispatcher;
        this.sessions = sessions;
        this.health = health;
        this.timeoutMillis = sessionTimeout.toMillis();
    }

    /** Schedules the heartbeat (refresh attached sessions) and the expiry sweep. */
    void start(ScheduledExecutorService timer, Duration sweepInterval) {
        long heartbeat = Math.max(100, Math.min(timeoutMillis / 3, 10_000));
        timer.scheduleWithFixedDelay(this::heartbeat, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
        long sweep = sweepInterval.toMillis();
        timer.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    /** A tenth of the session timeout: a session may expire at most that much early. */
    private long touchIntervalMillis() {
        return Math.max(1, timeoutMillis / 10);
    }

    /** The session was active (a request): push its expiry forward unless done very recently. */
    void touch(String sessionId) {
        long now = System.currentTimeMillis();
        Long last = lastTouch.get(sessionId);
        if (last != null && now - last < touchIntervalMillis()) {
            return;
        }
        lastTouch.put(sessionId, now);
        backend.touchSessions(List.of(sessionId), now + timeoutMillis).exceptionally(e -> {
            lastTouch.remove(sessionId, now); // try again with the next request
            touchFailed.warn(
                    "{} failed (the next request or heartbeat retries)",
                    "expiry refresh of session " + sessionId,
                    Blocking.unwrap(e));
            return null;
        });
    }

    /**
     * {@link #touch(String)} of a session created at {@code createdMillis} (its record says so):
     * the creation set its expiry as a touch would have, on whichever instance it happened, so within
     * the touch interval after it there is nothing to push forward — a stream that attaches to
     * another instance than the one that answered the connect costs no expiry refresh (issue 16).
     */
    void touch(String sessionId, long createdMillis) {
        if (System.currentTimeMillis() - createdMillis < touchIntervalMillis()) {
            lastTouch.putIfAbsent(sessionId, createdMillis);
        }
        touch(sessionId);
    }

    /**
     * A session this instance has just created, with a fresh expiry: a touch within the touch
     * interval (its stream attaching, its first events) is skipped as after any other touch — one
     * Redis round trip less per session set-up (issue 16).
     */
    void created(String sessionId, long atMillis) {
        lastTouch.put(sessionId, atMillis);
    }

    /** A touch that is never skipped (a stream just closed: the detached time starts now). */
    void touchNow(String sessionId) {
        lastTouch.remove(sessionId);
        touch(sessionId);
    }

    private void heartbeat() {
        dispatcher.tick();
        long stale = System.currentTimeMillis() - touchIntervalMillis();
        lastTouch.values().removeIf(t -> t < stale);
        dispatcher
                .attachedIds()
                .thenCompose(ids -> ids.isEmpty()
                        ? CompletableFuture.completedFuture(null)
                        : backend.touchSessions(ids, System.currentTimeMillis() + timeoutMillis))
                .exceptionally(e -> {
                    health.trouble();
                    heartbeatFailed.warn(
                            "{} failed (the next heartbeat retries; expiry sweeps are suspended meanwhile)",
                            "session heartbeat",
                            Blocking.unwrap(e));
                    return null;
                });
    }

    private void sweep() {
        if (health.sweepsSuspended()) {
            return;
        }
        backend.expiredSessions(System.currentTimeMillis(), SWEEP_BATCH)
                .thenAccept(ids -> {
                    for (String id : ids) {
                        sessions.end(id, DisconnectReason.TIMEOUT).exceptionally(e -> {
                            expiryFailed.warn(
                                    "{} failed (the next sweep retries)",
                                    "expiry of session " + id,
                                    Blocking.unwrap(e));
                            return false;
                        });
                    }
                })
                .exceptionally(e -> {
                    health.trouble();
                    sweepFailed.warn(
                            "{} failed (the next sweep retries after the backend recovers)",
                            "expiry sweep",
                            Blocking.unwrap(e));
                    return null;
                });
    }
}
