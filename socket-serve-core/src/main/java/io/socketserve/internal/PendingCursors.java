package io.socketserve.internal;

import io.socketserve.spi.LogPosition;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll cursors this instance answered up to but could not store (issue 13: a failed {@code
 * setCursor} used to be ignored, so the next poll without {@code after} repeated the answer). A
 * cursor-based poll here starts from the later of the stored cursor and the one remembered, and its
 * own {@code setCursor} stores both at once; a stored cursor at or past the remembered one forgets
 * it. A remembered cursor older than the session timeout is dropped (the session has expired, or
 * polls elsewhere), which bounds the map. Thread-safe.
 */
final class PendingCursors {

    private static final Logger log = LoggerFactory.getLogger(PendingCursors.class);

    private record Pending(LogPosition position, long sinceMillis) {}

    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private final RateLimitedWarning warning = new RateLimitedWarning(log, Duration.ofSeconds(10));
    private final long keepMillis;

    PendingCursors(Duration sessionTimeout) {
        this.keepMillis = sessionTimeout.toMillis();
    }

    /** The cursor a poll without {@code after} starts from: the later of the stored and the remembered. */
    LogPosition cursor(String sessionId, LogPosition stored) {
        Pending p = pending.get(sessionId);
        return p == null ? stored : stored.max(p.position());
    }

    /** A poll's cursor was stored. */
    void stored(String sessionId, LogPosition position) {
        pending.computeIfPresent(sessionId, (id, p) -> position.covers(p.position()) ? null : p);
    }

    /** A poll answered up to {@code position} but the backend did not store the cursor. */
    void failed(String sessionId, LogPosition position, Throwable error) {
        long now = System.currentTimeMillis();
        pending.values().removeIf(p -> now - p.sinceMillis() > keepMillis);
        pending.merge(
                sessionId,
                new Pending(position, now),
                (old, update) -> old.position().max(update.position()) == old.position()
                        ? old
                        : new Pending(old.position().max(update.position()), update.sinceMillis()));
        warning.warn(
                "{}: the poll cursor could not be stored; this instance starts the session's next poll"
                        + " after it and stores it again then",
                "poll of session " + sessionId + " up to " + position,
                Blocking.unwrap(error));
    }

    /** {@link #cursor(String, LogPosition)} of a single-partition log. */
    long cursor(String sessionId, long stored) {
        return cursor(sessionId, LogPosition.of(stored)).single();
    }

    /** {@link #stored(String, LogPosition)} of a single-partition log. */
    void stored(String sessionId, long position) {
        stored(sessionId, LogPosition.of(position));
    }

    /** {@link #failed(String, LogPosition, Throwable)} of a single-partition log. */
    void failed(String sessionId, long position, Throwable error) {
        failed(sessionId, LogPosition.of(position), error);
    }

    int size() {
        return pending.size();
    }
}
