package io.socketserve.internal;

import io.socketserve.ServerOptions;
import io.socketserve.spi.Backend;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.MembershipSnapshot;
import io.socketserve.spi.SessionRecord;
import io.socketserve.transport.StreamSink;
import io.socketserve.transport.TransportRequest;
import io.socketserve.transport.TransportResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * Attaches an authenticated session's stream or poll to this instance's {@link Dispatcher}: from the
 * position the client names (SSE {@code Last-Event-ID}, a poll's {@code after}), or from the
 * session's server-side cursor (the original client's polls), replaying what it missed and then
 * delivering live.
 */
final class Attacher {

    private static final long ATTACH_DEADLINE_MILLIS = 5_000;

    private final ServerOptions options;
    private final Backend backend;
    private final Dispatcher dispatcher;
    private final Liveness liveness;
    private final Presence presence;
    private final ScheduledExecutorService timer;
    private final Executor executor;
    private final ConcurrentHashMap<String, CompletableFuture<TransportResponse>> pollChains =
            new ConcurrentHashMap<>();
    private final PendingCursors pendingCursors;
    private final int partitions;
    private final EngineStats stats;

    Attacher(
            ServerOptions options,
            Backend backend,
            Dispatcher dispatcher,
            Liveness liveness,
            Presence presence,
            ScheduledExecutorService timer,
            Executor executor,
            EngineStats stats) {
        this.stats = stats;
        this.options = options;
        this.backend = backend;
        this.dispatcher = dispatcher;
        this.liveness = liveness;
        this.presence = presence;
        this.timer = timer;
        this.executor = executor;
        this.pendingCursors = new PendingCursors(options.sessionTimeout());
        this.partitions = backend.partitions();
    }

    /** What a poll asks for, validated before the session is looked up; {@code after} null: the cursor. */
    record PollRequest(@Nullable LogPosition after, long waitMillis) {}

    PollRequest pollRequest(TransportRequest request) {
        LogPosition after = position(request.query("after"), "after");
        if (after == null) {
            after = position(request.query("lastEventId"), "lastEventId");
        }
        return new PollRequest(after, waitMillis(request.query("wait")));
    }

    CompletionStage<TransportResponse> poll(SessionRecord record, PollRequest poll) {
        liveness.touch(record.id(), record.createdMillis());
        stats.pollsOpen.incrementAndGet();
        CompletionStage<TransportResponse> answer;
        try {
            if (poll.after() != null) {
                PollTarget target =
                        new PollTarget(dispatcher, timer, backend, record, pendingCursors, poll.waitMillis(), stats);
                answer = attach(record, poll.after(), target, false, null).thenCompose(ok -> target.response());
            } else {
                answer = cursorPoll(record.id(), poll.waitMillis());
            }
        } catch (RuntimeException e) {
            stats.pollsOpen.decrementAndGet();
            throw e;
        }
        return answer.whenComplete((r, e) -> stats.pollsOpen.decrementAndGet());
    }

    /** The position a stream resumes from: {@code Last-Event-ID} or the {@code lastEventId} query; null if none. */
    @Nullable
    LogPosition streamPosition(TransportRequest request) {
        String header = request.header("Last-Event-ID");
        LogPosition after = header != null ? position(header, "Last-Event-ID") : null;
        if (after == null) {
            after = position(request.query("lastEventId"), "lastEventId");
        }
        return after;
    }

    /**
     * Attaches a stream; {@code known} is the session's membership when the caller has just read it
     * (with the record, in one step), null to read it here.
     */
    CompletionStage<@Nullable TransportResponse> stream(
            SessionRecord record, @Nullable LogPosition after, StreamSink sink, @Nullable MembershipSnapshot known) {
        // An attached stream keeps its session alive: push the expiry forward now (the heartbeat
        // refreshes it from here on), so a session reattaching just before its expiry is not swept.
        liveness.touch(record.id(), record.createdMillis());
        StreamTarget target =
                new StreamTarget(sink, options.maxStreamBufferBytes() / 2, stats, record.namespace(), record.id());
        stats.streamsOpen.incrementAndGet();
        if (after != null) {
            stats.resumes.increment();
        }
        sink.onClose(() -> {
            stats.streamsOpen.decrementAndGet();
            target.closed();
            dispatcher.detach(record.id(), target);
            liveness.touchNow(record.id());
        });
        return attach(record, after, target, true, known).thenApply(ok -> (TransportResponse) null);
    }

    /**
     * A poll that names no position reads from the session's server-side cursor (the original
     * client). Such polls of one session run one after another, each re-reading the cursor the
     * previous one advanced, so that overlapping polls never hand out a message twice.
     */
    private CompletionStage<TransportResponse> cursorPoll(String sessionId, long wait) {
        @SuppressWarnings({"unchecked", "rawtypes"}) // generic array creation
        CompletableFuture<TransportResponse>[] created = new CompletableFuture[1];
        pollChains.compute(sessionId, (id, previous) -> {
            CompletableFuture<?> start = previous == null ? CompletableFuture.completedFuture(null) : previous;
            // Start only once the previous poll is done, whatever its outcome; never inside compute.
            created[0] = start.handleAsync((v, e) -> null, executor)
                    .thenCompose(v -> backend.findSession(sessionId))
                    .thenCompose(current -> {
                        if (current == null) {
                            throw new ProtocolException(
                                    404, "unknown_session", "no such session (disconnected or expired)");
                        }
                        // a cursor this instance answered up to but could not store counts (PendingCursors)
                        SessionRecord from = current.withCursorAt(pendingCursors.cursor(sessionId, current.cursorAt()));
                        PollTarget target =
                                new PollTarget(dispatcher, timer, backend, from, pendingCursors, wait, stats);
                        return attach(from, null, target, false, null).thenCompose(ok -> target.response());
                    })
                    .toCompletableFuture();
            return created[0];
        });
        CompletableFuture<TransportResponse> next = created[0];
        next.whenComplete((r, e) -> pollChains.remove(sessionId, next));
        return next;
    }

    private CompletionStage<Boolean> attach(
            SessionRecord record,
            @Nullable LogPosition after,
            Dispatcher.Target target,
            boolean stream,
            @Nullable MembershipSnapshot known) {
        LogPosition from = (after != null ? after : record.cursorAt()).max(record.createdAt());
        // A poll answers with everything committed before it arrived, so it waits for the head. A
        // client-given position is checked against the head at once (a position beyond the log is
        // a client error, not something to wait for). A plain stream needs neither: whatever this
        // instance has not processed yet arrives live.
        boolean needHead = !stream || after != null;
        LogPosition zero = LogPosition.zero(partitions);
        CompletionStage<LogPosition> head = needHead ? heads() : CompletableFuture.completedFuture(zero);
        return head.thenCompose(headPosition -> {
            if (after != null && needHead && !headPosition.covers(after)) {
                throw ProtocolException.badRequest(
                        "invalid_last_event_id",
                        "position " + after + " is beyond the end of the log (" + headPosition + ")");
            }
            LogPosition catchUpTo = stream ? zero : headPosition;
            // A snapshot is exact at its own position, so one read before the head serves as well.
            CompletionStage<MembershipSnapshot> membership =
                    known != null ? CompletableFuture.completedFuture(known) : backend.membership(record.id());
            return membership.thenCompose(snapshot -> {
                if (!snapshot.exists()) {
                    throw new ProtocolException(404, "unknown_session", "no such session (disconnected or expired)");
                }
                CompletableFuture<Boolean> result = new CompletableFuture<>();
                dispatcher.attach(new Dispatcher.AttachRequest(
                        record,
                        from,
                        snapshot,
                        target,
                        stream || target instanceof PollTarget p && p.waits(),
                        catchUpTo,
                        System.currentTimeMillis() + ATTACH_DEADLINE_MILLIS,
                        result));
                if (snapshot.presence()) { // a session that tracks none has no liveness to confirm
                    presence.seen(record.id());
                }
                return result;
            });
        });
    }

    /** The heads of the log: {@code head()} for one partition (as before partitions), else every head. */
    private CompletionStage<LogPosition> heads() {
        return partitions == 1 ? backend.head().thenApply(LogPosition::of) : backend.heads();
    }

    /**
     * A position parameter, in the text form of {@link LogPosition} for this log's partition count;
     * null when absent.
     */
    private @Nullable LogPosition position(@Nullable String value, String name) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.length() > 16_384) {
            throw ProtocolException.badRequest("invalid_last_event_id", "'" + name + "' must be a log position");
        }
        try {
            return LogPosition.parse(value, partitions);
        } catch (IllegalArgumentException e) {
            throw ProtocolException.badRequest(
                    "invalid_last_event_id",
                    partitions == 1
                            ? "'" + name + "' must be a log position"
                            : "'" + name + "' must be a log position over " + partitions + " partitions: "
                                    + e.getMessage());
        }
    }

    private long waitMillis(@Nullable String value) {
        if (value == null || value.isEmpty()) {
            return 0;
        }
        if (value.length() > 9 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw ProtocolException.badRequest("invalid_field", "'wait' must be milliseconds");
        }
        return Math.min(Long.parseLong(value), options.longPollMaxWait().toMillis());
    }
}
