package io.socketserve.internal;

import io.socketserve.spi.SessionRecord;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;

/**
 * The session records this instance created or looked up recently, so that the requests that follow
 * a connect — the stream attach, the {@code join} — authenticate without another backend round trip
 * (issue 16: one Redis round trip per request of a session set-up).
 *
 * <p>A {@link SessionRecord} never changes after creation except for its poll cursor, which the
 * cursor poll reads from the backend itself; what can change is whether the session still exists.
 * An entry is therefore dropped when:
 *
 * <ul>
 *   <li>this instance removes the session ({@link Sessions#ended}), before the removal is answered;
 *   <li>the log says another instance removed it (a {@code Disconnect} entry: every removal appends
 *       one in the same backend step), when this instance's dispatcher reads that entry;
 *   <li>the log lost entries this instance did not read (a gap), or the backend became unreachable
 *       (it may come back without its data): then every entry is dropped;
 *   <li>it is older than its time to live (a quarter of the session timeout, at most 15 s), which
 *       bounds what any missed signal could cost.
 * </ul>
 *
 * <p>So a request that reaches this instance after another instance removed its session, but before
 * this instance has read that removal from the log (the log's lag, milliseconds), is taken as if it
 * had arrived just before the removal. Stream attaches still read the session's membership from the
 * backend, which answers {@code unknown_session} for a removed session.
 *
 * <p>A lookup that races a removal must not put the removed record back: every id hashes to one of
 * {@value #STRIPES} stripes whose counter each removal increments; a record is kept only if its
 * stripe's counter did not move between the start of its lookup and the insert.
 *
 * <p>Bounded: at most {@code maxEntries} records; when full, expired entries go first and then
 * arbitrary ones.
 */
final class SessionCache {

    private static final int STRIPES = 64;

    private record Entry(SessionRecord record, long expiresNanos) {}

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLongArray epochs = new AtomicLongArray(STRIPES);
    private final long ttlNanos;
    private final int maxEntries;

    SessionCache(Duration sessionTimeout, int maxEntries) {
        long quarter = sessionTimeout.toNanos() / 4;
        this.ttlNanos = Math.max(0, Math.min(quarter, Duration.ofSeconds(15).toNanos()));
        this.maxEntries = maxEntries;
    }

    /** The time an entry is kept. */
    Duration timeToLive() {
        return Duration.ofNanos(ttlNanos);
    }

    /** To take before a lookup whose result is to be {@link #put}. */
    long epoch(String id) {
        return epochs.get(stripe(id));
    }

    /** The cached record of {@code id}, or null. */
    @Nullable
    SessionRecord get(String id) {
        Entry e = entries.get(id);
        if (e == null) {
            return null;
        }
        if (System.nanoTime() - e.expiresNanos >= 0) {
            entries.remove(id, e);
            return null;
        }
        return e.record;
    }

    /**
     * Keeps {@code record}, found or created by a backend call started when the id's stripe stood at
     * {@code epochBefore}; nothing happens when a removal happened since.
     */
    void put(SessionRecord record, long epochBefore) {
        if (ttlNanos == 0 || maxEntries <= 0) {
            return;
        }
        int stripe = stripe(record.id());
        if (epochs.get(stripe) != epochBefore) {
            return;
        }
        if (entries.size() >= maxEntries) {
            evict();
        }
        Entry e = new Entry(record, System.nanoTime() + ttlNanos);
        entries.put(record.id(), e);
        // A removal between the check above and the put: its remove() may have run first.
        if (epochs.get(stripe) != epochBefore) {
            entries.remove(record.id(), e);
        }
    }

    /** The session is gone (or may be): forget it and fail the lookups in flight for it. */
    void invalidate(String id) {
        epochs.incrementAndGet(stripe(id));
        entries.remove(id);
    }

    /** Forgets everything, and fails every lookup in flight. */
    void clear() {
        for (int i = 0; i < STRIPES; i++) {
            epochs.incrementAndGet(i);
        }
        entries.clear();
    }

    int size() {
        return entries.size();
    }

    private void evict() {
        long now = System.nanoTime();
        int target = maxEntries - maxEntries / 8;
        entries.values().removeIf(e -> now - e.expiresNanos >= 0);
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (entries.size() > target && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private static int stripe(String id) {
        return (id.hashCode() & 0x7fffffff) % STRIPES;
    }
}
