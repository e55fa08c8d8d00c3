package io.socketserve;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of this instance's live numbers, as {@link SocketServer#stats()} returns it: what is
 * open here now (gauges) and what has happened here since the server started (monotonic totals).
 * Reading it is cheap (a few dozen sums, no backend call), so a dashboard or a meter registry may
 * read it as often as it likes. Every number is about this instance only: add them up across
 * instances for the cluster.
 *
 * <pre>{@code
 * ServerStats stats = server.stats();
 * log.info("{} SSE sessions, {} deliveries so far", stats.sseSessions(), stats.deliveries());
 * }</pre>
 *
 * <p>The Micrometer binder of {@code socket-serve-micrometer} exposes the same numbers as
 * {@code socketserve.*} meters; {@code docs/operations.md} lists them.
 *
 * @param instance this instance's random id (12 hex digits, new at each start; also the MDC field
 *     {@code socketserve.instance})
 * @param backend the backend's kind: {@code memory}, {@code redis}, or the backend class's simple name
 * @param sseSessions gauge: sessions with an SSE stream attached to this instance
 * @param pollingSessions gauge: long-polls (and polls) in progress on this instance
 * @param streamsOpen gauge: SSE streams open on this instance (a session whose stream is being
 *     replaced may briefly hold two)
 * @param connects total: sessions created by a connect request answered here
 * @param disconnects total per reason ({@code client_disconnect}, {@code server_disconnect}, {@code
 *     timeout}, {@code server_shutting_down}): sessions this instance ended (each session is ended
 *     once, by whichever instance removed it)
 * @param eventsReceived total: event POSTs accepted for handling (after authentication, validation
 *     and the rate limit)
 * @param eventsHandled total: events whose handler (and middleware) returned normally
 * @param eventsFailed total: events whose middleware or handler threw
 * @param rateLimited total: requests answered 429 (connections per address, events per session)
 * @param emits total: messages appended to the log by this instance (emits and broadcasts, one per
 *     call however many recipients)
 * @param deliveries total: message frames handed to this instance's clients (SSE streams and polls),
 *     live or replayed; control frames ({@code __missed}, {@code __disconnect}) are not counted
 * @param bytesWritten total: bytes of the SSE frames counted in {@code deliveries} (before
 *     compression; poll answers count their frames' JSON)
 * @param resumes total: attaches that resumed from a position the client named ({@code
 *     Last-Event-ID}, a poll's {@code after})
 * @param replayedFrames total: frames sent from history during resumes and polls (part of {@code
 *     deliveries})
 * @param missedSent total: {@code __missed} notices sent (the client's position was outside the
 *     recovery window, or the log lost entries)
 * @param ackLatency server→client acknowledgements answered: how many, and their total round trip
 * @param ackTimeouts total: server→client acknowledgements (single and broadcast) that timed out
 * @param handlerDuration event handling (middleware, {@code onAny} listeners and the handler): how
 *     many, and their total time
 * @param logAppend appends to the log: how many, and their total latency up to the backend's answer
 * @param readerLagEntries gauge: entries between the newest log head seen and this instance's reader
 * @param readerLagMillis gauge: how long the reader has been behind that head (0 when caught up)
 * @param slowClientCuts total: SSE streams closed because the client did not read (live: its buffer
 *     overflowed {@link ServerOptions#maxStreamBufferBytes()}; during a replay: its buffer stayed
 *     full for 5 s)
 * @param backendErrors total: backend failures seen (a request answered 503 for a backend failure, a
 *     lost log subscription, a failed reader probe)
 * @param unavailableResponses total: requests answered 503 (backend down, overloaded, too many
 *     sessions, shutting down)
 * @param roomsWithLocalMembers gauge: rooms with at least one member attached to this instance
 * @param presenceUsers gauge: distinct users tracked ({@link Socket#track}) through this instance by
 *     sessions that have not ended
 * @param handlersInFlight gauge: events being handled now (bounded by {@link
 *     ServerOptions#maxConcurrentHandlers()}; at the bound, events are answered {@code 503
 *     overloaded})
 * @param dispatcherQueuedBytes gauge: log entries read but not yet delivered by this instance, in
 *     bytes (bounded at 16 MiB; at the bound the reader waits and the entries stay in the backend)
 * @since 0.2
 */
public record ServerStats(
        String instance,
        String backend,
        long sseSessions,
        long pollingSessions,
        long streamsOpen,
        long connects,
        Map<String, Long> disconnects,
        long eventsReceived,
        long eventsHandled,
        long eventsFailed,
        long rateLimited,
        long emits,
        long deliveries,
        long bytesWritten,
        long resumes,
        long replayedFrames,
        long missedSent,
        Timing ackLatency,
        long ackTimeouts,
        Timing handlerDuration,
        Timing logAppend,
        long readerLagEntries,
        long readerLagMillis,
        long slowClientCuts,
        long backendErrors,
        long unavailableResponses,
        long roomsWithLocalMembers,
        long presenceUsers,
        long handlersInFlight,
        long dispatcherQueuedBytes) {

    /** The transport names of {@link #sessionsByTransport()}. */
    public static final String SSE = "sse";

    /** The transport names of {@link #sessionsByTransport()}. */
    public static final String POLLING = "polling";

    /** Copies {@code disconnects} (unmodifiable). */
    public ServerStats {
        Objects.requireNonNull(instance, "instance == null");
        Objects.requireNonNull(backend, "backend == null");
        disconnects = Map.copyOf(disconnects);
        Objects.requireNonNull(ackLatency, "ackLatency == null");
        Objects.requireNonNull(handlerDuration, "handlerDuration == null");
        Objects.requireNonNull(logAppend, "logAppend == null");
    }

    /** Sessions attached here by transport: {@code {"sse": n, "polling": m}}. */
    public Map<String, Long> sessionsByTransport() {
        return Map.of(SSE, sseSessions, POLLING, pollingSessions);
    }

    /** Sessions attached here, both transports. */
    public long sessionsActive() {
        return sseSessions + pollingSessions;
    }

    /** Disconnects of every reason. */
    public long disconnectsTotal() {
        long sum = 0;
        for (long n : disconnects.values()) {
            sum += n;
        }
        return sum;
    }

    /**
     * A duration total: how many were recorded and their sum.
     *
     * @param count how many
     * @param totalNanos their sum, in nanoseconds
     */
    public record Timing(long count, long totalNanos) {

        /** The mean, {@link Duration#ZERO} when none was recorded. */
        public Duration mean() {
            return count == 0 ? Duration.ZERO : Duration.ofNanos(totalNanos / count);
        }
    }
}
