package io.socketserve.internal;

import io.socketserve.DisconnectReason;
import io.socketserve.ServerStats;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * This instance's counters and gauges, written on the hot paths with one {@link LongAdder} increment
 * each and read by {@link io.socketserve.SocketServer#stats()}. Nothing here knows of Micrometer: a
 * meter binder reads the same numbers through {@link ServerStats}.
 */
final class EngineStats {

    /** A duration total: how many, and their sum in nanoseconds. */
    static final class Timing {
        private final LongAdder count = new LongAdder();
        private final LongAdder nanos = new LongAdder();

        void record(long elapsedNanos) {
            count.increment();
            nanos.add(Math.max(0, elapsedNanos));
        }

        /** Records the time since {@code startNanos} (a {@link System#nanoTime()}). */
        void since(long startNanos) {
            record(System.nanoTime() - startNanos);
        }

        ServerStats.Timing snapshot() {
            return new ServerStats.Timing(count.sum(), nanos.sum());
        }
    }

    final String instance;
    final String backend;

    final LongAdder connects = new LongAdder();
    private final EnumMap<DisconnectReason, LongAdder> disconnects = new EnumMap<>(DisconnectReason.class);
    final LongAdder eventsReceived = new LongAdder();
    final LongAdder eventsHandled = new LongAdder();
    final LongAdder eventsFailed = new LongAdder();
    final LongAdder rateLimited = new LongAdder();
    final LongAdder emits = new LongAdder();
    final LongAdder deliveries = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder resumes = new LongAdder();
    final LongAdder replayedFrames = new LongAdder();
    final LongAdder missedSent = new LongAdder();
    final LongAdder ackTimeouts = new LongAdder();
    final LongAdder slowClientCuts = new LongAdder();
    final LongAdder backendErrors = new LongAdder();
    final LongAdder unavailableResponses = new LongAdder();
    final Timing ackLatency = new Timing();
    final Timing handlerDuration = new Timing();
    final Timing logAppend = new Timing();

    /** SSE streams open on this instance. */
    final AtomicLong streamsOpen = new AtomicLong();
    /** Sessions with an SSE stream attached here (a replaced stream's session counts once). */
    final AtomicLong streamSessions = new AtomicLong();
    /** Polls waiting or being answered on this instance. */
    final AtomicLong pollsOpen = new AtomicLong();

    private volatile LongSupplier roomsWithLocalMembers = () -> 0;
    /** Sessions tracked ({@code track}) through this instance, and the user of each. */
    private final java.util.concurrent.ConcurrentHashMap<String, String> trackedSessions =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Users of {@link #trackedSessions}, each with its number of sessions. */
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> trackedUsers =
            new java.util.concurrent.ConcurrentHashMap<>();

    private volatile LongSupplier readerPosition = () -> 0;
    private volatile LongSupplier readerProgressMillis = System::currentTimeMillis;
    /** The newest log head seen by the reader probe (or at start). */
    final AtomicLong knownHead = new AtomicLong();

    EngineStats(String instance, String backend) {
        this.instance = instance;
        this.backend = backend;
        for (DisconnectReason r : DisconnectReason.values()) {
            disconnects.put(r, new LongAdder());
        }
    }

    void disconnected(DisconnectReason reason) {
        disconnects.get(reason).increment();
    }

    private static final long RATE_LIMIT_LOG_INTERVAL_NANOS = 1_000_000_000L;
    private final AtomicLong rateLimitLogDue = new AtomicLong(System.nanoTime());
    private final AtomicLong rateLimitLogSuppressed = new AtomicLong();

    /**
     * Logs a rate limit hit on {@link LogFields#SESSIONS}: at most one line a second per server (a
     * client over its limit hits it on every request), with the number of hits not logged since.
     */
    void logRateLimitHit(
            @org.jspecify.annotations.Nullable String namespace,
            @org.jspecify.annotations.Nullable String session,
            String what) {
        long now = System.nanoTime();
        long due = rateLimitLogDue.get();
        if (now - due < 0 || !rateLimitLogDue.compareAndSet(due, now + RATE_LIMIT_LOG_INTERVAL_NANOS)) {
            rateLimitLogSuppressed.incrementAndGet();
            return;
        }
        long more = rateLimitLogSuppressed.getAndSet(0);
        LogFields.info(
                LogFields.SESSIONS,
                instance,
                namespace,
                session,
                "rate limit hit: {}{}",
                what,
                more == 0 ? "" : " (" + more + " more hits not logged since the last)");
    }

    /** A client that did not read was cut off: counted and logged. */
    void slowClientCut(String namespace, String sessionId) {
        slowClientCuts.increment();
        LogFields.info(
                LogFields.SESSIONS,
                instance,
                namespace,
                sessionId,
                "slow client cut: it did not read its stream; it resumes from its last position");
    }

    /** A log head read from the backend: the lag gauges count from the newest one seen. */
    void head(long head) {
        knownHead.accumulateAndGet(head, Math::max);
    }

    /** A session was tracked as {@code user} through this instance. */
    void tracked(String sessionId, String user) {
        if (trackedSessions.putIfAbsent(sessionId, user) == null) {
            trackedUsers.merge(user, 1, Integer::sum);
        }
    }

    /** A session ended (every instance reads its disconnect from the log). */
    void sessionEnded(String sessionId) {
        String user = trackedSessions.remove(sessionId);
        if (user != null) {
            trackedUsers.computeIfPresent(user, (k, n) -> n == 1 ? null : n - 1);
        }
    }

    private volatile LongSupplier handlersInFlight = () -> 0;
    private volatile LongSupplier dispatcherQueuedBytes = () -> 0;

    void gauges(
            LongSupplier rooms,
            LongSupplier position,
            LongSupplier progressMillis,
            LongSupplier handlersInFlight,
            LongSupplier dispatcherQueuedBytes) {
        this.handlersInFlight = handlersInFlight;
        this.dispatcherQueuedBytes = dispatcherQueuedBytes;
        this.roomsWithLocalMembers = rooms;
        this.readerPosition = position;
        this.readerProgressMillis = progressMillis;
    }

    ServerStats snapshot() {
        Map<String, Long> byReason = new java.util.LinkedHashMap<>();
        for (Map.Entry<DisconnectReason, LongAdder> e : disconnects.entrySet()) {
            byReason.put(
                    e.getKey().name().toLowerCase(java.util.Locale.ROOT),
                    e.getValue().sum());
        }
        long position = readerPosition.getAsLong();
        long lagEntries = Math.max(0, knownHead.get() - position);
        long lagMillis =
                lagEntries == 0 ? 0 : Math.max(0, System.currentTimeMillis() - readerProgressMillis.getAsLong());
        return new ServerStats(
                instance,
                backend,
                streamSessions.get(),
                pollsOpen.get(),
                streamsOpen.get(),
                connects.sum(),
                byReason,
                eventsReceived.sum(),
                eventsHandled.sum(),
                eventsFailed.sum(),
                rateLimited.sum(),
                emits.sum(),
                deliveries.sum(),
                bytesWritten.sum(),
                resumes.sum(),
                replayedFrames.sum(),
                missedSent.sum(),
                ackLatency.snapshot(),
                ackTimeouts.sum(),
                handlerDuration.snapshot(),
                logAppend.snapshot(),
                lagEntries,
                lagMillis,
                slowClientCuts.sum(),
                backendErrors.sum(),
                unavailableResponses.sum(),
                roomsWithLocalMembers.getAsLong(),
                trackedUsers.size(),
                handlersInFlight.getAsLong(),
                dispatcherQueuedBytes.getAsLong());
    }
}
