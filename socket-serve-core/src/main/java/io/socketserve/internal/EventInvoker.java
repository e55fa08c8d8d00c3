package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.AnyEventListener;
import io.socketserve.EventHandler;
import io.socketserve.EventMiddleware;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServeException;
import io.socketserve.spi.SessionRecord;
import io.socketserve.transport.TransportResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the application's handler for an authenticated event: finds it, bounds the handlers in
 * progress, runs it on the session's serial lane of the handler executor with the event middleware
 * first, and answers once the handler's appends are committed (see {@link InvocationContext}).
 * Control events — {@code __ack} (a client answering the server) and {@code __ping} — never reach a
 * handler.
 */
final class EventInvoker {

    private static final Logger log = LoggerFactory.getLogger(EventInvoker.class);

    /** The backend's own failure (its address, its exception) goes to the log, never to the client. */
    private final RateLimitedWarning unavailable = new RateLimitedWarning(log, java.time.Duration.ofSeconds(10));

    private static final byte[] OK = "{\"success\":true}".getBytes(StandardCharsets.US_ASCII);

    private final ServerOptions options;
    private final Namespaces namespaces;
    private final HandlerExecution execution;
    private final SocketServices services;
    private final Publisher publisher;
    private final AckRegistry acks;
    private final Json json;
    private final HandlerFailures failures;
    private final EngineStats stats;

    EventInvoker(
            ServerOptions options,
            Namespaces namespaces,
            HandlerExecution execution,
            SocketServices services,
            Publisher publisher,
            AckRegistry acks,
            Json json,
            HandlerFailures failures,
            EngineStats stats) {
        this.stats = stats;
        this.options = options;
        this.namespaces = namespaces;
        this.execution = execution;
        this.services = services;
        this.publisher = publisher;
        this.acks = acks;
        this.json = json;
        this.failures = failures;
    }

    /**
     * How many of a session's newest sequence numbers the ledger remembers. Our clients send one
     * event at a time, so a retry is always of one of the last few; the window bounds what each
     * session keeps in the backend (at most this many answers of {@link #MAX_KEPT_ANSWER} bytes).
     */
    static final int EVENT_WINDOW = 32;

    /** Answers longer than this are not kept: a retry gets {@link #SUCCESS_NOT_KEPT} instead. */
    static final int MAX_KEPT_ANSWER = 8 * 1024;

    static final byte[] SUCCESS_NOT_KEPT = "{\"success\":true,\"duplicate\":true}".getBytes(StandardCharsets.US_ASCII);

    CompletionStage<TransportResponse> handle(
            SessionRecord record,
            String event,
            JsonNode data,
            @Nullable String messageId,
            boolean requiresAck,
            boolean ackInResponse) {
        return handle(record, event, data, messageId, requiresAck, ackInResponse, 0);
    }

    /**
     * Handles an event. With a sequence number ({@code seq > 0}), the event runs at most once per
     * session across every instance: the backend's ledger is claimed first, a retry of an answered
     * event gets the first answer, a retry while it runs gets {@code 409 event_in_progress}. An
     * attempt whose outcome is unknown ({@code 503}: the backend failed or timed out) releases the
     * event, so the client's retry runs it again, and its log appends are not repeated ({@link
     * Publisher}, {@link io.socketserve.spi.EventLedger#appendOnce}).
     */
    CompletionStage<TransportResponse> handle(
            SessionRecord record,
            String event,
            JsonNode data,
            @Nullable String messageId,
            boolean requiresAck,
            boolean ackInResponse,
            long seq) {
        if (seq <= 0 || "__ack".equals(event) || "__ping".equals(event)) {
            return run(
                    record,
                    event,
                    data,
                    messageId,
                    requiresAck,
                    ackInResponse,
                    new InvocationContext(record.id(), options.backendTimeout()));
        }
        long now = System.currentTimeMillis();
        String attempt = Long.toHexString(
                java.util.concurrent.ThreadLocalRandom.current().nextLong());
        CompletionStage<io.socketserve.spi.EventClaim> claimed =
                services.backend.claimEvent(record.id(), seq, attempt, EVENT_WINDOW, now, leaseMillis());
        claimed.exceptionally(e -> {
            // The claim failed without an answer (a timeout): it may still be committed, and would hold
            // off the retry for a whole lease. Release it; the release runs after it in the store.
            services.backend.settleEvent(record.id(), seq, attempt, null);
            return null;
        });
        return claimed.thenCompose(claim -> switch (claim.state()) {
            case CLAIMED -> runAndSettle(record, event, data, messageId, requiresAck, ackInResponse, seq, attempt);
            case ANSWERED -> CompletableFuture.completedFuture(keptAnswer(claim.answer()));
            case RUNNING -> CompletableFuture.completedFuture(TransportResponse.error(
                            409,
                            "event_in_progress",
                            "event " + seq + " of this session is being handled; retry it with the same seq")
                    .withHeader("Retry-After", "1"));
            case STALE -> throw new ProtocolException(
                    409,
                    "stale_sequence",
                    "seq " + seq + " is older than the last " + EVENT_WINDOW + " events of this session");
            case UNKNOWN_SESSION -> throw new ProtocolException(
                    404, "unknown_session", "no such session (disconnected or expired)");
        });
    }

    /** How long a claim holds off retries: longer than a handler's writes may take to be answered. */
    private long leaseMillis() {
        return Math.max(10_000, 2 * options.backendTimeout().toMillis());
    }

    private CompletionStage<TransportResponse> runAndSettle(
            SessionRecord record,
            String event,
            JsonNode data,
            @Nullable String messageId,
            boolean requiresAck,
            boolean ackInResponse,
            long seq,
            String attempt) {
        long leaseEnd = System.currentTimeMillis() + leaseMillis();
        InvocationContext context = new InvocationContext(record.id(), options.backendTimeout(), seq);
        CompletionStage<TransportResponse> running;
        try {
            running = run(record, event, data, messageId, requiresAck, ackInResponse, context);
        } catch (RuntimeException e) {
            running = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<TransportResponse> out = new CompletableFuture<>();
        running.whenComplete((response, error) -> {
            TransportResponse deferred = context.deferred();
            if (deferred != null) {
                // The handler ran and answered, but its appends were not confirmed: the client is told
                // to retry (503), and this attempt keeps its claim while it makes them again, each at
                // most once, then settles with the handler's answer. The handler never runs twice.
                out.complete(response);
                finishAppends(record.id(), seq, attempt, context, keep(deferred), leaseEnd);
                return;
            }
            TransportResponse settled = response;
            Throwable cause = error == null ? null : Blocking.unwrap(error);
            if (settled == null && cause instanceof ProtocolException p) {
                settled = p.toResponse();
            }
            // 503 (or a failure with no answer): the outcome is unknown, so the event is released and
            // the retry runs it again; anything else is the event's answer for every retry.
            byte[] kept = settled == null || settled.status() == 503 ? null : keep(settled);
            services.backend.settleEvent(record.id(), seq, attempt, kept).whenComplete((v, settleError) -> {
                if (settleError != null) {
                    unavailable.warn(
                            "could not record the answer to event {} of a session: a retry may run it again",
                            Long.toString(seq),
                            settleError);
                }
                if (error != null) {
                    out.completeExceptionally(error);
                } else {
                    out.complete(response);
                }
            });
        });
        return out;
    }

    /** The kept form of an answer: its status as three digits, then its JSON body. */
    private static byte[] keep(TransportResponse response) {
        byte[] body = response.body().length <= MAX_KEPT_ANSWER ? response.body() : SUCCESS_NOT_KEPT;
        int status = response.body().length <= MAX_KEPT_ANSWER ? response.status() : 200;
        byte[] out = new byte[3 + body.length];
        out[0] = (byte) ('0' + status / 100);
        out[1] = (byte) ('0' + status / 10 % 10);
        out[2] = (byte) ('0' + status % 10);
        System.arraycopy(body, 0, out, 3, body.length);
        return out;
    }

    private static TransportResponse keptAnswer(byte[] kept) {
        if (kept.length < 3) {
            return TransportResponse.json(200, SUCCESS_NOT_KEPT);
        }
        int status = (kept[0] - '0') * 100 + (kept[1] - '0') * 10 + (kept[2] - '0');
        return TransportResponse.json(status, java.util.Arrays.copyOfRange(kept, 3, kept.length));
    }

    private CompletionStage<TransportResponse> run(
            SessionRecord record,
            String event,
            JsonNode data,
            @Nullable String messageId,
            boolean requiresAck,
            boolean ackInResponse,
            InvocationContext context) {
        if ("__ack".equals(event)) {
            return ackReply(record, messageId, data);
        }
        if ("__ping".equals(event)) {
            // Round-trip measurement (docs/protocol.md): answered at once, no handler involved.
            return CompletableFuture.completedFuture(TransportResponse.json(
                    200,
                    ("{\"success\":true,\"pong\":" + System.currentTimeMillis() + "}")
                            .getBytes(StandardCharsets.US_ASCII)));
        }
        Handlers handlers = namespaces.handlers(record.namespace());
        EventHandler handler = handlers.handler(event);
        if (handler == null) {
            if (options.rejectUnknownEvents()) {
                throw new ProtocolException(422, "unknown_event", "no handler for event '" + event + "'");
            }
            if (handlers.anyListeners.isEmpty()) {
                return CompletableFuture.completedFuture(TransportResponse.json(200, OK));
            }
        }
        if (!execution.permits.tryAcquire()) {
            throw new ProtocolException(503, "overloaded", "too many events in progress; retry shortly");
        }
        CompletableFuture<TransportResponse> out = new CompletableFuture<>();
        try {
            execution.perSession.execute(record.id(), () -> {
                try {
                    out.complete(invoke(
                            record,
                            event,
                            handler,
                            handlers,
                            data,
                            requiresAck ? messageId : null,
                            ackInResponse,
                            context));
                } catch (Throwable t) {
                    out.completeExceptionally(t);
                } finally {
                    execution.permits.release();
                }
            });
        } catch (RuntimeException rejected) {
            execution.permits.release();
            throw new ProtocolException(503, "overloaded", "the handler executor rejected the event");
        }
        return out;
    }

    private CompletionStage<TransportResponse> ackReply(
            SessionRecord record, @Nullable String messageId, JsonNode data) {
        if (messageId == null) {
            throw ProtocolException.badRequest("missing_field", "'messageId' is required with an acknowledgement");
        }
        if (acks.isLocal(record.id(), messageId)) {
            acks.complete(record.id(), messageId, data);
            return CompletableFuture.completedFuture(TransportResponse.json(200, OK));
        }
        return publisher.publishAckReply(record.id(), messageId, data).thenApply(v -> TransportResponse.json(200, OK));
    }

    private TransportResponse invoke(
            SessionRecord record,
            String event,
            @Nullable EventHandler handler,
            Handlers handlers,
            JsonNode data,
            @Nullable String messageId,
            boolean ackInResponse,
            InvocationContext context) {
        SocketImpl socket = new SocketImpl(services, record, context);
        AckImpl ack = new AckImpl(publisher, json, record, messageId, ackInResponse, context);
        long start = System.nanoTime();
        try {
            for (EventMiddleware m : handlers.eventMiddleware) {
                m.handle(socket, event, data);
            }
            for (AnyEventListener l : handlers.anyListeners) {
                try {
                    l.onEvent(socket, event, data);
                } catch (Exception e) {
                    log.warn("onAny listener failed for '{}' (socket {})", event, record.id(), e);
                }
            }
            if (handler != null) {
                handler.onEvent(socket, data, ack);
            }
            stats.handlerDuration.since(start);
            stats.eventsHandled.increment();
        } catch (SocketServeException e) {
            stats.handlerDuration.since(start);
            stats.eventsFailed.increment();
            context.abandon();
            ack.handlerFailed(e.code(), e.getMessage());
            return errorAnswer(e);
        } catch (Exception e) {
            stats.handlerDuration.since(start);
            stats.eventsFailed.increment();
            context.abandon();
            HandlerFailures.Answer answer = failures.answer(socket, event, e);
            SocketServeException x = answer.exception();
            ack.handlerFailed(x.code(), x.getMessage());
            TransportResponse r = TransportResponse.error(x.status(), x.code(), x.getMessage(), answer.errorId());
            return x.status() == 503 ? r.withHeader("Retry-After", "1") : r;
        }
        try {
            context.awaitWrites();
        } catch (SocketServeException e) {
            if (context.seq() > 0 && e.status() == 503) {
                context.defer(success(ack.finish()));
            }
            return errorAnswer(e);
        }
        return success(ack.finish());
    }

    private static TransportResponse success(byte @Nullable [] answer) {
        if (answer == null) {
            return TransportResponse.json(200, OK);
        }
        byte[] prefix = "{\"success\":true,\"ack\":".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[prefix.length + answer.length + 1];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(answer, 0, out, prefix.length, answer.length);
        out[out.length - 1] = '}';
        return TransportResponse.json(200, out);
    }

    /** Pause between two attempts to make an event's appends again. */
    private static final long REISSUE_PAUSE_MILLIS = 200;

    /**
     * Makes the event's appends again, in order, each at most once ({@link
     * io.socketserve.spi.EventLedger#appendOnce}), until all are confirmed, then settles the event
     * with {@code answer}. Gives up shortly before the claim's lease ends and releases the event
     * instead, so that a retry runs it again (appends already made are still not repeated).
     */
    private void finishAppends(
            String sid, long seq, String attempt, InvocationContext context, byte[] answer, long leaseEnd) {
        java.util.List<InvocationContext.Append> appends = context.made();
        reissue(sid, seq, appends, 0, leaseEnd - 2 * REISSUE_PAUSE_MILLIS).whenComplete((done, error) -> {
            boolean confirmed = error == null && Boolean.TRUE.equals(done);
            services.backend
                    .settleEvent(sid, seq, attempt, confirmed ? answer : null)
                    .whenComplete((v, settleError) -> {
                        if (settleError != null) {
                            unavailable.warn(
                                    "could not settle event {} of a session after its appends: a retry may run it again",
                                    Long.toString(seq),
                                    settleError);
                        }
                    });
        });
    }

    /** Completes with {@code true} once appends[from..] are confirmed, {@code false} at the deadline. */
    private CompletionStage<Boolean> reissue(
            String sid, long seq, java.util.List<InvocationContext.Append> appends, int from, long deadline) {
        if (from == appends.size()) {
            return CompletableFuture.completedFuture(true);
        }
        InvocationContext.Append a = appends.get(from);
        CompletionStage<Long> made;
        try {
            made = a.partition() == 0
                    ? services.backend.appendOnce(sid, seq, a.n(), a.entry())
                    : services.backend.appendOnce(a.partition(), sid, seq, a.n(), a.entry());
        } catch (RuntimeException e) {
            made = CompletableFuture.failedFuture(e);
        }
        return made.handle((position, error) -> error == null).thenCompose(ok -> {
            if (ok) {
                return reissue(sid, seq, appends, from + 1, deadline);
            }
            if (System.currentTimeMillis() + REISSUE_PAUSE_MILLIS > deadline) {
                return CompletableFuture.completedFuture(false);
            }
            return CompletableFuture.supplyAsync(
                            () -> null,
                            CompletableFuture.delayedExecutor(
                                    REISSUE_PAUSE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS))
                    .thenCompose(x -> reissue(sid, seq, appends, from, deadline));
        });
    }

    private TransportResponse errorAnswer(SocketServeException e) {
        if (e.status() == 503 && e.getCause() != null) {
            unavailable.warn("an event was answered 503 ({}): the backend failed", e.code(), e);
        }
        TransportResponse r = TransportResponse.error(e.status(), e.code(), e.getMessage());
        return e.status() == 503 ? r.withHeader("Retry-After", "1") : r;
    }
}
