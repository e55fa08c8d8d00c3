package io.socketserve.internal;

import io.socketserve.SocketServeException;
import io.socketserve.spi.Backend;
import io.socketserve.spi.Partitions;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Turns messages into log entries: the payload is serialised and the frame encoded here, once per
 * message whatever the number of recipients, then appended to the backend's log (or handed to the
 * volatile channel). Every instance's {@link Dispatcher} reads the entry and delivers it to its own
 * attached recipients.
 */
final class Publisher {

    private final Backend backend;
    private final Json json;
    private final int maxEventNameLength;
    private final LogBudgets budgets;
    private final EngineStats stats;

    Publisher(Backend backend, Json json, int maxEventNameLength) {
        this(backend, json, maxEventNameLength, new LogBudgets(0, 1), new EngineStats("test", "test"));
    }

    /**
     * @param budgets the per-session byte budgets charged for appends made within an invocation
     * @param stats where emits and append latencies are counted
     */
    Publisher(Backend backend, Json json, int maxEventNameLength, LogBudgets budgets, EngineStats stats) {
        this.stats = stats;
        this.backend = backend;
        this.json = json;
        this.maxEventNameLength = maxEventNameLength;
        this.budgets = budgets;
    }

    /**
     * Charges an entry appended on behalf of a session's handler to that session's budget; throws
     * {@code 429 log_budget_exceeded} (nothing is appended) when it is spent.
     */
    private byte[] charged(byte[] encoded, @Nullable InvocationContext context) {
        if (context != null) {
            budgets.charge(context.sessionId(), encoded.length, System.currentTimeMillis());
        }
        return encoded;
    }

    /**
     * Appends {@code message}; completes when it is committed. With an invocation context, the
     * invocation's answer waits for the append (see {@link InvocationContext}).
     */
    CompletionStage<Void> publish(OutboundMessage message, @Nullable InvocationContext context) {
        validateEvent(message.event());
        long now = System.currentTimeMillis();
        byte[] frame =
                Frames.message(message.event(), json.write(message.data()), now, message.from(), message.messageId());
        LogEntry.Message entry = new LogEntry.Message(
                now,
                message.namespace(),
                message.type(),
                message.targets(),
                message.exceptRooms(),
                message.exceptSessions(),
                message.isVolatile(),
                frame);
        stats.emits.increment();
        if (message.isVolatile()) {
            // Never in the log, never replayed: handed to the instances connected right now.
            return backend.publishVolatile(EntryCodec.encode(entry));
        }
        byte[] encoded = charged(EntryCodec.encode(entry), context);
        return track(append(partition(message), encoded, context).thenApply(p -> null), context);
    }

    /**
     * The partition of a message ({@link Partitions}): its first room's for a room message, its
     * session's for a message to one session, its namespace's for a whole-namespace broadcast.
     */
    private int partition(OutboundMessage message) {
        int partitions = backend.partitions();
        if (partitions == 1) {
            return 0;
        }
        return switch (message.type()) {
            case SESSION, ROOMS -> Partitions.of(message.targets().get(0), partitions);
            case ALL -> Partitions.of(message.namespace(), partitions);
        };
    }

    /**
     * Appends an entry made by an invocation. For an event with a sequence number, each of its appends
     * is numbered and appended once, however often the event runs.
     */
    private CompletionStage<Long> append(int partition, byte[] entry, @Nullable InvocationContext context) {
        long start = System.nanoTime();
        CompletionStage<Long> appended;
        if (context != null && context.seq() > 0) {
            int n = context.nextAppend();
            context.recordAppend(n, partition, entry);
            appended = partition == 0
                    ? backend.appendOnce(context.sessionId(), context.seq(), n, entry)
                    : backend.appendOnce(partition, context.sessionId(), context.seq(), n, entry);
        } else {
            appended = partition == 0 ? backend.append(entry) : backend.append(partition, entry);
        }
        return timed(appended, start);
    }

    /** Counts the append's latency when it succeeds. */
    private CompletionStage<Long> timed(CompletionStage<Long> appended, long start) {
        return appended.whenComplete((p, e) -> {
            if (e == null) {
                stats.logAppend.since(start);
            }
        });
    }

    /** Sends the {@code __ack} frame answering a client's acknowledgement request. */
    CompletionStage<Void> publishAck(
            String sessionId,
            String namespace,
            String messageId,
            byte[] data,
            boolean error,
            @Nullable InvocationContext context) {
        LogEntry.Message m = new LogEntry.Message(
                System.currentTimeMillis(),
                namespace,
                LogEntry.TargetType.SESSION,
                List.of(sessionId),
                List.of(),
                List.of(),
                false,
                Frames.ack(messageId, data, error));
        byte[] encoded = charged(EntryCodec.encode(m), context);
        return track(
                append(Partitions.of(sessionId, backend.partitions()), encoded, context)
                        .thenApply(p -> null),
                context);
    }

    /**
     * Routes a client's answer to a server→client acknowledgement to the instance waiting for it.
     * Every instance reads every partition, so any would do; it goes to the answering session's
     * partition (the waiting registry keys requests by that session).
     */
    CompletionStage<Void> publishAckReply(String sessionId, String messageId, @Nullable Object answer) {
        LogEntry.AckReply reply =
                new LogEntry.AckReply(System.currentTimeMillis(), sessionId, messageId, json.write(answer));
        int partition = Partitions.of(sessionId, backend.partitions());
        byte[] encoded = EntryCodec.encode(reply);
        long start = System.nanoTime();
        return timed(partition == 0 ? backend.append(encoded) : backend.append(partition, encoded), start)
                .thenApply(p -> null);
    }

    private static <T> CompletionStage<T> track(CompletionStage<T> stage, @Nullable InvocationContext context) {
        return context == null ? stage : context.track(stage);
    }

    void validateEvent(String event) {
        Objects.requireNonNull(event, "event == null");
        if (event.isEmpty() || event.length() > maxEventNameLength) {
            throw new SocketServeException(
                    "invalid_event", "event name must have 1.." + maxEventNameLength + " characters", 400);
        }
    }
}
