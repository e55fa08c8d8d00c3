package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socketserve.ConnectionListener;
import io.socketserve.EventHandler;
import io.socketserve.SocketServeException;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.SessionRecord;
import io.socketserve.transport.JsonStrings;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.StreamSink;
import io.socketserve.transport.TransportRequest;
import io.socketserve.transport.TransportResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP protocol of docs/protocol.md over the {@link Engine}. */
final class Protocol implements SocketEndpoint {

    private static final Logger log = LoggerFactory.getLogger(Protocol.class);
    static final String SESSION_HEADER = "X-Socket-Serve-Session";
    private static final int MAX_MESSAGE_ID_LENGTH = 64;
    private static final long ATTACH_DEADLINE_MILLIS = 5_000;
    private static final byte[] OK = "{\"success\":true}".getBytes(StandardCharsets.US_ASCII);

    private final Engine engine;
    private final java.util.concurrent.ConcurrentHashMap<String, CompletableFuture<TransportResponse>> pollChains =
            new java.util.concurrent.ConcurrentHashMap<>();

    Protocol(Engine engine) {
        this.engine = engine;
    }

    @Override
    public long keepaliveMillis() {
        return engine.options.keepaliveInterval().toMillis();
    }

    @Override
    public int maxPayloadBytes() {
        return engine.options.maxPayloadBytes();
    }

    @Override
    public String basePath() {
        return engine.options.basePath();
    }

    @Override
    public boolean isStream(TransportRequest request) {
        return "GET".equals(request.method())
                && "/sse".equals(request.path())
                && !"polling".equals(request.query("transport"));
    }

    // -------------------------------------------------------------------------------- dispatching

    @Override
    public CompletionStage<TransportResponse> handle(TransportRequest request) {
        CompletionStage<TransportResponse> stage;
        try {
            stage = route(request);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((response, error) -> error == null ? response : errorResponse(error, request));
    }

    private CompletionStage<TransportResponse> route(TransportRequest request) {
        if (engine.isClosed()) {
            throw new ProtocolException(503, "unavailable", "the server is shutting down");
        }
        String path = request.path();
        String method = request.method();
        switch (path) {
            case "/connect" -> {
                requireMethod(method, "POST");
                return connect(request);
            }
            case "/message" -> {
                requireMethod(method, "POST");
                return message(request);
            }
            case "/disconnect" -> {
                requireMethod(method, "POST");
                return disconnect(request);
            }
            case "/sse" -> {
                requireMethod(method, "GET");
                if (!"polling".equals(request.query("transport"))) {
                    throw ProtocolException.badRequest("invalid_field", "a stream must be opened with openStream");
                }
                return poll(request);
            }
            default -> throw new ProtocolException(404, "not_found", "no endpoint " + engine.options.basePath() + path);
        }
    }

    private static void requireMethod(String method, String allowed) {
        if (!allowed.equals(method)) {
            throw new MethodNotAllowed(allowed);
        }
    }

    /** 405 carrying its {@code Allow} header. */
    private static final class MethodNotAllowed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        final String allow;

        MethodNotAllowed(String allow) {
            super(null, null, false, false);
            this.allow = allow;
        }
    }

    TransportResponse errorResponse(Throwable error, TransportRequest request) {
        Throwable e = Engine.unwrap(error);
        if (e instanceof ProtocolException p) {
            return p.toResponse();
        }
        if (e instanceof MethodNotAllowed m) {
            return TransportResponse.error(
                            405, "method_not_allowed", request.method() + " is not allowed here; use " + m.allow)
                    .withHeader("Allow", m.allow);
        }
        if (e instanceof SocketServeException s) {
            TransportResponse r = TransportResponse.error(s.status(), s.code(), s.getMessage());
            return s.status() == 503 ? r.withHeader("Retry-After", "1") : r;
        }
        if (e instanceof BackendUnavailableException) {
            return TransportResponse.error(503, "unavailable", "the backend is unavailable; retry shortly")
                    .withHeader("Retry-After", "1");
        }
        // The exception's text may quote the request (and so a credential): log a redacted copy.
        RuntimeException logged = new RuntimeException(Credentials.redact(String.valueOf(e)), null);
        logged.setStackTrace(e.getStackTrace());
        log.error("unexpected failure on {} {}", request.method(), Credentials.redact(request.path()), logged);
        return TransportResponse.error(500, "internal_error", "unexpected server error");
    }

    // --------------------------------------------------------------------------------- credential

    private SessionRecordStage authenticate(TransportRequest request, @Nullable ObjectNode body) {
        String credential = request.header(SESSION_HEADER);
        if (credential == null && body != null) {
            credential = Json.optionalString(body, "sessionId");
        }
        if (credential == null) {
            credential = request.query("sessionId");
        }
        if (credential == null) {
            throw ProtocolException.badRequest("missing_field", "'sessionId' is required");
        }
        Credentials.Parsed parsed = Credentials.parse(credential);
        if (parsed == null) {
            throw ProtocolException.badRequest("invalid_session_id", "'sessionId' is not a session credential");
        }
        return new SessionRecordStage(
                engine.backend.findSession(parsed.publicId()).thenApply(record -> {
                    if (record == null) {
                        throw new ProtocolException(
                                404, "unknown_session", "no such session (disconnected or expired)");
                    }
                    if (!Credentials.verify(parsed.secret(), record.secretHash())) {
                        throw new ProtocolException(403, "forbidden", "the credential does not match the session");
                    }
                    return record;
                }));
    }

    private record SessionRecordStage(CompletionStage<SessionRecord> stage) {}

    // ------------------------------------------------------------------------------------ connect

    private CompletionStage<TransportResponse> connect(TransportRequest request) {
        ObjectNode body = engine.json.parseObject(request.body(), true);
        String requested = Json.optionalString(body, "namespace");
        if (requested == null) {
            requested = request.query("namespace");
        }
        String namespace = requested == null || requested.isEmpty() ? "/" : requested;
        if (!Engine.isValidNamespace(namespace)) {
            throw ProtocolException.badRequest("invalid_field", "'namespace' must start with '/' (≤ 128 characters)");
        }
        NamespaceImpl ns = engine.resolveNamespace(namespace);
        if (ns == null) {
            throw new ProtocolException(404, "unknown_namespace", "no namespace " + namespace);
        }
        Handlers handlers = ns.handlers;
        JsonNode auth = body.get("auth");
        if (auth != null && !auth.isNull() && !auth.isObject()) {
            throw ProtocolException.badRequest("invalid_field", "'auth' must be an object");
        }
        String address = clientAddress(request);
        HandshakeImpl handshake = new HandshakeImpl(request, auth, address, namespace);
        return engine.rateLimits
                .acquire(
                        "cn:" + address,
                        engine.options.maxConnectionsPerSecondPerAddress(),
                        engine.options.connectionBurst())
                .thenCompose(wait -> {
                    if (wait > 0) {
                        throw RateLimits.limited(wait, "too many new connections from " + address);
                    }
                    return runConnectionMiddleware(handshake, handlers);
                })
                .thenCompose(v -> engine.backend.sessionCount())
                .thenCompose(count -> {
                    if (count >= engine.options.maxSessions()) {
                        throw new ProtocolException(
                                503, "too_many_sessions", "the server holds its maximum of sessions");
                    }
                    Credentials.Identity id = Credentials.generate();
                    long now = System.currentTimeMillis();
                    SessionRecord fresh = new SessionRecord(
                            id.publicId(), id.secretHash(), namespace, now, 0, 0, handshake.attributes());
                    return engine.backend
                            .createSession(
                                    fresh, now + engine.options.sessionTimeout().toMillis())
                            .thenCompose(position -> {
                                SessionRecord record = fresh.withCreatedPosition(position);
                                return runConnectionListeners(record, handlers).thenApply(x -> connected(id, record));
                            });
                });
    }

    /**
     * The client's address: the peer, or — behind a trusted proxy — the last address of the
     * configured header, which is the one that proxy appended (addresses before it were sent by the
     * client and prove nothing).
     */
    String clientAddress(TransportRequest request) {
        String header = engine.options.clientAddressHeader();
        if (header != null) {
            String value = request.header(header);
            if (value != null && !value.isBlank()) {
                String[] hops = value.split(",");
                String last = hops[hops.length - 1].trim();
                if (!last.isEmpty() && last.length() <= 64) {
                    return last;
                }
            }
        }
        return request.remoteAddress();
    }

    private CompletionStage<Void> runConnectionMiddleware(HandshakeImpl handshake, Handlers handlers) {
        List<io.socketserve.ConnectionMiddleware> chain = handlers.connectionMiddleware;
        if (chain.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            engine.handlerExecutor.execute(() -> {
                try {
                    for (io.socketserve.ConnectionMiddleware m : chain) {
                        m.handle(handshake);
                    }
                    done.complete(null);
                } catch (SocketServeException e) {
                    done.completeExceptionally(new ProtocolException(e.status(), e.code(), e.getMessage()));
                } catch (Exception e) {
                    log.warn("connection middleware failed for {}", handshake.remoteAddress(), e);
                    done.completeExceptionally(
                            new ProtocolException(403, "handshake_failed", "the handshake was rejected"));
                }
            });
        } catch (RuntimeException rejected) {
            done.completeExceptionally(
                    new ProtocolException(503, "overloaded", "the handler executor rejected the handshake"));
        }
        return done;
    }

    private CompletionStage<Void> runConnectionListeners(SessionRecord record, Handlers handlers) {
        List<ConnectionListener> listeners = handlers.connectionListeners;
        if (listeners.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        SocketImpl socket = new SocketImpl(engine, record);
        engine.perSession.execute(record.id(), () -> {
            for (ConnectionListener l : listeners) {
                try {
                    l.onConnection(socket);
                } catch (Exception e) {
                    log.warn("connection handler failed for socket {}", record.id(), e);
                }
            }
            done.complete(null);
        });
        return done;
    }

    private TransportResponse connected(Credentials.Identity id, SessionRecord record) {
        String body = "{\"sessionId\":" + JsonStrings.quote(id.credential())
                + ",\"id\":" + JsonStrings.quote(id.publicId())
                + ",\"position\":" + record.createdPosition()
                + ",\"protocol\":1"
                + ",\"pingInterval\":" + engine.options.keepaliveInterval().toMillis()
                + ",\"sessionTimeout\":" + engine.options.sessionTimeout().toMillis() + "}";
        return TransportResponse.json(200, body.getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------------------------ message

    private CompletionStage<TransportResponse> message(TransportRequest request) {
        ObjectNode body = engine.json.parseObject(request.body(), false);
        SessionRecordStage auth = authenticate(request, body);
        String event = Json.optionalString(body, "event");
        if (event == null) {
            throw ProtocolException.badRequest("missing_field", "'event' is required");
        }
        if (event.isEmpty() || event.length() > engine.options.maxEventNameLength()) {
            throw ProtocolException.badRequest(
                    "invalid_field", "'event' must have 1.." + engine.options.maxEventNameLength() + " characters");
        }
        JsonNode data = Json.orNull(body.get("data"));
        String messageId = Json.optionalString(body, "messageId");
        if (messageId != null && (messageId.isEmpty() || messageId.length() > MAX_MESSAGE_ID_LENGTH)) {
            throw ProtocolException.badRequest(
                    "invalid_field", "'messageId' must have 1.." + MAX_MESSAGE_ID_LENGTH + " characters");
        }
        boolean requiresAck = Json.optionalBoolean(body, "requiresAck");
        boolean ackInResponse = Json.optionalBoolean(body, "ackInResponse");
        if ((requiresAck || "__ack".equals(event)) && messageId == null) {
            throw ProtocolException.badRequest("missing_field", "'messageId' is required with an acknowledgement");
        }
        return auth.stage()
                .thenCompose(record -> engine.rateLimits
                        .acquire("ev:" + record.id(), engine.options.maxEventsPerSecond(), engine.options.eventBurst())
                        .thenApply(wait -> {
                            if (wait > 0) {
                                throw RateLimits.limited(wait, "too many events from this session");
                            }
                            return record;
                        }))
                .thenCompose(record -> {
                    engine.touch(record.id());
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
                    Handlers handlers = engine.handlers(record.namespace());
                    EventHandler handler = handlers.handler(event);
                    if (handler == null) {
                        if (engine.options.rejectUnknownEvents()) {
                            throw new ProtocolException(422, "unknown_event", "no handler for event '" + event + "'");
                        }
                        return CompletableFuture.completedFuture(TransportResponse.json(200, OK));
                    }
                    if (!engine.handlerPermits.tryAcquire()) {
                        throw new ProtocolException(503, "overloaded", "too many events in progress; retry shortly");
                    }
                    CompletableFuture<TransportResponse> out = new CompletableFuture<>();
                    try {
                        engine.perSession.execute(record.id(), () -> {
                            try {
                                out.complete(invoke(
                                        record,
                                        event,
                                        handler,
                                        handlers,
                                        data,
                                        requiresAck ? messageId : null,
                                        ackInResponse));
                            } catch (Throwable t) {
                                out.completeExceptionally(t);
                            } finally {
                                engine.handlerPermits.release();
                            }
                        });
                    } catch (RuntimeException rejected) {
                        engine.handlerPermits.release();
                        throw new ProtocolException(503, "overloaded", "the handler executor rejected the event");
                    }
                    return out;
                });
    }

    private CompletionStage<TransportResponse> ackReply(SessionRecord record, String messageId, JsonNode data) {
        if (engine.acks.isLocal(record.id(), messageId)) {
            engine.acks.complete(record.id(), messageId, data);
            return CompletableFuture.completedFuture(TransportResponse.json(200, OK));
        }
        LogEntry.AckReply reply =
                new LogEntry.AckReply(System.currentTimeMillis(), record.id(), messageId, engine.json.write(data));
        return engine.backend.append(EntryCodec.encode(reply)).thenApply(p -> TransportResponse.json(200, OK));
    }

    private TransportResponse invoke(
            SessionRecord record,
            String event,
            EventHandler handler,
            Handlers handlers,
            JsonNode data,
            @Nullable String messageId,
            boolean ackInResponse) {
        SocketImpl socket = new SocketImpl(engine, record);
        AckImpl ack = new AckImpl(engine, record, messageId, ackInResponse);
        List<CompletableFuture<?>> writes = new java.util.ArrayList<>();
        Engine.HANDLER_WRITES.set(writes);
        try {
            for (io.socketserve.EventMiddleware m : handlers.eventMiddleware) {
                m.handle(socket, event, data);
            }
            handler.onEvent(socket, data, ack);
        } catch (SocketServeException e) {
            Engine.HANDLER_WRITES.remove();
            ack.handlerFailed(e.code(), e.getMessage());
            TransportResponse r = TransportResponse.error(e.status(), e.code(), e.getMessage());
            return e.status() == 503 ? r.withHeader("Retry-After", "1") : r;
        } catch (Exception e) {
            Engine.HANDLER_WRITES.remove();
            log.warn("handler for '{}' failed (socket {})", event, record.id(), e);
            String message = "the handler for '" + event + "' failed";
            ack.handlerFailed("handler_error", message);
            return TransportResponse.error(422, "handler_error", message);
        }
        try {
            engine.awaitHandlerWrites(writes);
        } catch (SocketServeException e) {
            TransportResponse r = TransportResponse.error(e.status(), e.code(), e.getMessage());
            return e.status() == 503 ? r.withHeader("Retry-After", "1") : r;
        } finally {
            Engine.HANDLER_WRITES.remove();
        }
        byte[] answer = ack.finish();
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

    // --------------------------------------------------------------------------------- disconnect

    private CompletionStage<TransportResponse> disconnect(TransportRequest request) {
        ObjectNode body = engine.json.parseObject(request.body(), true);
        return authenticate(request, body)
                .stage()
                .thenCompose(record -> engine.end(record.id(), io.socketserve.DisconnectReason.CLIENT_DISCONNECT))
                .thenApply(removed -> TransportResponse.json(200, OK));
    }

    // ----------------------------------------------------------------------------- poll / stream

    private CompletionStage<TransportResponse> poll(TransportRequest request) {
        SessionRecordStage auth = authenticate(request, null);
        long after = position(request.query("after"), "after");
        if (after < 0) {
            after = position(request.query("lastEventId"), "lastEventId");
        }
        long wait = waitMillis(request.query("wait"));
        long from = after;
        return auth.stage().thenCompose(record -> {
            engine.touch(record.id());
            if (from >= 0) {
                PollTarget target = new PollTarget(engine, record, wait);
                return attach(record, from, target, false).thenCompose(ok -> target.response());
            }
            return cursorPoll(record.id(), wait);
        });
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
            created[0] = start.handleAsync((v, e) -> null, engine.handlerExecutor)
                    .thenCompose(v -> engine.backend.findSession(sessionId))
                    .thenCompose(current -> {
                        if (current == null) {
                            throw new ProtocolException(
                                    404, "unknown_session", "no such session (disconnected or expired)");
                        }
                        PollTarget target = new PollTarget(engine, current, wait);
                        return attach(current, -1, target, false).thenCompose(ok -> target.response());
                    })
                    .toCompletableFuture();
            return created[0];
        });
        CompletableFuture<TransportResponse> next = created[0];
        next.whenComplete((r, e) -> pollChains.remove(sessionId, next));
        return next;
    }

    @Override
    public CompletionStage<@Nullable TransportResponse> openStream(TransportRequest request, StreamSink sink) {
        CompletionStage<@Nullable TransportResponse> stage;
        try {
            if (engine.isClosed()) {
                throw new ProtocolException(503, "unavailable", "the server is shutting down");
            }
            SessionRecordStage auth = authenticate(request, null);
            String header = request.header("Last-Event-ID");
            long after = header != null ? position(header, "Last-Event-ID") : -1;
            if (after < 0) {
                after = position(request.query("lastEventId"), "lastEventId");
            }
            long from = after;
            stage = auth.stage().thenCompose(record -> {
                StreamTarget target = new StreamTarget(sink, engine.options.maxStreamBufferBytes() / 2);
                sink.onClose(() -> {
                    engine.dispatcher.detach(record.id(), target);
                    engine.touchNow(record.id());
                });
                return attach(record, from, target, true).thenApply(ok -> (TransportResponse) null);
            });
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((response, error) -> error == null ? response : errorResponse(error, request));
    }

    private CompletionStage<Boolean> attach(
            SessionRecord record, long after, Dispatcher.Target target, boolean stream) {
        long from = Math.max(after >= 0 ? after : record.cursor(), record.createdPosition());
        // A poll answers with everything committed before it arrived, so it waits for the head. A
        // client-given position is checked against the head at once (a position beyond the log is
        // a client error, not something to wait for). A plain stream needs neither: whatever this
        // instance has not processed yet arrives live.
        boolean needHead = !stream || after >= 0;
        CompletionStage<Long> head = needHead ? engine.backend.head() : CompletableFuture.completedFuture(0L);
        return head.thenCompose(headPosition -> {
            if (after > headPosition && needHead) {
                throw ProtocolException.badRequest(
                        "invalid_last_event_id",
                        "position " + after + " is beyond the end of the log (" + headPosition + ")");
            }
            long catchUpTo = stream ? 0 : headPosition;
            return engine.backend.membership(record.id()).thenCompose(snapshot -> {
                if (!snapshot.exists()) {
                    throw new ProtocolException(404, "unknown_session", "no such session (disconnected or expired)");
                }
                CompletableFuture<Boolean> result = new CompletableFuture<>();
                engine.dispatcher.attach(new Dispatcher.AttachRequest(
                        record,
                        from,
                        snapshot,
                        target,
                        stream || target instanceof PollTarget p && p.waits(),
                        catchUpTo,
                        System.currentTimeMillis() + ATTACH_DEADLINE_MILLIS,
                        result));
                engine.presence.seen(record.id());
                return result;
            });
        });
    }

    /** A position parameter: -1 when absent. */
    private static long position(@Nullable String value, String name) {
        if (value == null || value.isEmpty()) {
            return -1;
        }
        if (value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw ProtocolException.badRequest("invalid_last_event_id", "'" + name + "' must be a log position");
        }
        return Long.parseLong(value);
    }

    private long waitMillis(@Nullable String value) {
        if (value == null || value.isEmpty()) {
            return 0;
        }
        if (value.length() > 9 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw ProtocolException.badRequest("invalid_field", "'wait' must be milliseconds");
        }
        return Math.min(Long.parseLong(value), engine.options.longPollMaxWait().toMillis());
    }
}
