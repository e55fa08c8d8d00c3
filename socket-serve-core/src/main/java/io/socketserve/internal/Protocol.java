package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socketserve.ConnectionListener;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServeException;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.SessionRecord;
import io.socketserve.transport.JsonStrings;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.StreamSink;
import io.socketserve.transport.TransportRequest;
import io.socketserve.transport.TransportResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP protocol of docs/protocol.md: routes a transport's requests, authenticates sessions,
 * connects and disconnects them, and hands events to the {@link EventInvoker} and streams and polls
 * to the {@link Attacher}. Every failure becomes a JSON error answer, never an exception to the
 * transport.
 */
final class Protocol implements SocketEndpoint {

    private static final Logger log = LoggerFactory.getLogger(Protocol.class);

    /** The backend's own failure (its address, its exception) goes to the log, never to the client. */
    private final RateLimitedWarning unavailable = new RateLimitedWarning(log, Duration.ofSeconds(10));

    static final String SESSION_HEADER = "X-Socket-Serve-Session";
    private static final int MAX_MESSAGE_ID_LENGTH = 64;
    private static final byte[] OK = "{\"success\":true}".getBytes(StandardCharsets.US_ASCII);

    private final ServerOptions options;
    private final Json json;
    private final Backend backend;
    private final Namespaces namespaces;
    private final RateLimits rateLimits;
    private final HandlerExecution execution;
    private final SocketServices services;
    private final Liveness liveness;
    private final EventInvoker invoker;
    private final Attacher attacher;
    private final BooleanSupplier closed;
    private final Admissions admissions;
    private final EngineStats stats;
    private final SessionCache sessionCache;

    /** A session created for a connect, before its connection listeners ran. */
    private record Admitted(Credentials.Identity id, SessionRecord record) {}

    Protocol(
            ServerOptions options,
            Json json,
            Backend backend,
            Namespaces namespaces,
            RateLimits rateLimits,
            HandlerExecution execution,
            SocketServices services,
            Liveness liveness,
            EventInvoker invoker,
            Attacher attacher,
            BooleanSupplier closed,
            SessionCache sessionCache,
            EngineStats stats) {
        this.stats = stats;
        this.sessionCache = sessionCache;
        this.options = options;
        this.admissions = new Admissions(options.maxSessions());
        this.json = json;
        this.backend = backend;
        this.namespaces = namespaces;
        this.rateLimits = rateLimits;
        this.execution = execution;
        this.services = services;
        this.liveness = liveness;
        this.invoker = invoker;
        this.attacher = attacher;
        this.closed = closed;
    }

    private static final io.socketserve.transport.Frame SHUTDOWN_FRAME =
            Frames.reconnect(io.socketserve.DisconnectReason.SERVER_SHUTTING_DOWN.wireName());

    @Override
    public io.socketserve.transport.Frame shutdownFrame() {
        return SHUTDOWN_FRAME;
    }

    @Override
    public int warmUpBackend(int rounds, java.time.Duration timeout, BooleanSupplier stop) throws InterruptedException {
        return BackendWarmUp.run(backend, rounds, timeout, stop);
    }

    @Override
    public long keepaliveMillis() {
        return options.keepaliveInterval().toMillis();
    }

    @Override
    public int maxPayloadBytes() {
        return options.maxPayloadBytes();
    }

    @Override
    public String basePath() {
        return options.basePath();
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
        return stage.handle((response, error) -> error == null ? counted(response) : errorResponse(error, request));
    }

    /** Counts an answer that is a 503 or a 429 (a handler's answer may be one). */
    private TransportResponse counted(TransportResponse response) {
        if (response.status() == 503) {
            stats.unavailableResponses.increment();
        } else if (response.status() == 429) {
            stats.rateLimited.increment();
        }
        return response;
    }

    private CompletionStage<TransportResponse> route(TransportRequest request) {
        if (closed.getAsBoolean()) {
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
            default -> throw new ProtocolException(404, "not_found", "no endpoint " + options.basePath() + path);
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
        return counted(errorResponseOf(error, request));
    }

    private TransportResponse errorResponseOf(Throwable error, TransportRequest request) {
        Throwable e = Blocking.unwrap(error);
        if (e instanceof ProtocolException p) {
            return p.toResponse();
        }
        if (e instanceof MethodNotAllowed m) {
            return TransportResponse.error(
                            405, "method_not_allowed", request.method() + " is not allowed here; use " + m.allow)
                    .withHeader("Allow", m.allow);
        }
        if (e instanceof SocketServeException s) {
            if (s.status() == 503 && s.getCause() != null) {
                stats.backendErrors.increment();
                unavailable.warn("{} answered 503: the backend failed", describe(request), s);
            }
            TransportResponse r = TransportResponse.error(s.status(), s.code(), s.getMessage());
            return s.status() == 503 ? r.withHeader("Retry-After", "1") : r;
        }
        if (e instanceof BackendUnavailableException) {
            stats.backendErrors.increment();
            unavailable.warn("{} answered 503: the backend is unavailable", describe(request), e);
            return TransportResponse.error(503, "unavailable", "the backend is unavailable; retry shortly")
                    .withHeader("Retry-After", "1");
        }
        // The exception's text may quote the request (and so a credential): log a redacted copy.
        RuntimeException logged = new RuntimeException(Credentials.redact(String.valueOf(e)), null);
        logged.setStackTrace(e.getStackTrace());
        log.error("unexpected failure on {} {}", request.method(), Credentials.redact(request.path()), logged);
        return TransportResponse.error(500, "internal_error", "unexpected server error");
    }

    private static String describe(TransportRequest request) {
        return request.method() + " " + Credentials.redact(request.path());
    }

    // --------------------------------------------------------------------------------- credential

    private CompletionStage<SessionRecord> authenticate(TransportRequest request, @Nullable ObjectNode body) {
        Credentials.Parsed parsed = credential(request, body);
        SessionRecord cached = sessionCache.get(parsed.publicId());
        if (cached != null) {
            return CompletableFuture.completedFuture(verified(parsed, cached));
        }
        long epoch = sessionCache.epoch(parsed.publicId());
        return backend.findSession(parsed.publicId()).thenApply(record -> looked(parsed, record, epoch));
    }

    /**
     * The record a backend lookup that started at {@code epoch} found, once the credential matches
     * it (kept in the {@link SessionCache}); 404 if there is none, 403 if the secret is another.
     */
    private SessionRecord looked(Credentials.Parsed parsed, @Nullable SessionRecord record, long epoch) {
        if (record == null) {
            throw new ProtocolException(404, "unknown_session", "no such session (disconnected or expired)");
        }
        verified(parsed, record);
        sessionCache.put(record, epoch);
        return record;
    }

    /** The request's credential, shape-checked (not verified). */
    private static Credentials.Parsed credential(TransportRequest request, @Nullable ObjectNode body) {
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
        return parsed;
    }

    private static SessionRecord verified(Credentials.Parsed parsed, SessionRecord record) {
        if (!Credentials.verify(parsed.secret(), record.secretHash())) {
            throw new ProtocolException(403, "forbidden", "the credential does not match the session");
        }
        return record;
    }

    // ------------------------------------------------------------------------------------ connect

    private CompletionStage<TransportResponse> connect(TransportRequest request) {
        ObjectNode body = json.parseObject(request.body(), true);
        String requested = Json.optionalString(body, "namespace");
        if (requested == null) {
            requested = request.query("namespace");
        }
        String namespace = requested == null || requested.isEmpty() ? "/" : requested;
        if (!RoomKeys.isValidNamespace(namespace)) {
            throw ProtocolException.badRequest("invalid_field", "'namespace' must start with '/' (≤ 128 characters)");
        }
        Handlers handlers = namespaces.resolve(namespace);
        if (handlers == null) {
            throw new ProtocolException(404, "unknown_namespace", "no namespace " + namespace);
        }
        JsonNode auth = body.get("auth");
        if (auth != null && !auth.isNull() && !auth.isObject()) {
            throw ProtocolException.badRequest("invalid_field", "'auth' must be an object");
        }
        String address = clientAddress(request);
        HandshakeImpl handshake = new HandshakeImpl(request, auth, address, namespace);
        return rateLimits
                .acquire("cn:" + address, options.maxConnectionsPerSecondPerAddress(), options.connectionBurst())
                .thenCompose(wait -> {
                    if (wait > 0) {
                        stats.logRateLimitHit(handshake.namespace(), null, "too many new connections from " + address);
                        throw RateLimits.limited(wait, "too many new connections from " + address);
                    }
                    return runConnectionMiddleware(handshake, handlers);
                })
                // Counted and created in one atomic step where the backend can; else concurrent
                // connects on this instance keep a place for each other (Admissions).
                .thenCompose(v -> admit(limit -> {
                    Credentials.Identity id = Credentials.generate();
                    long epoch = sessionCache.epoch(id.publicId());
                    long now = System.currentTimeMillis();
                    SessionRecord fresh = new SessionRecord(
                            id.publicId(), id.secretHash(), namespace, now, 0, 0, storedAttributes(handshake, request));
                    // Count and create in one step where the backend can (one Redis round trip, issue 16).
                    long expires = now + options.sessionTimeout().toMillis();
                    CompletionStage<@Nullable LogPosition> created = backend.partitions() == 1
                            ? backend.createSessionIfRoom(fresh, expires, limit)
                                    .thenApply(p -> p < 0 ? null : LogPosition.of(p))
                            : backend.createSessionIfRoomAt(fresh, expires, limit);
                    return created.thenApply(position -> {
                        if (position == null) {
                            return null;
                        }
                        liveness.created(id.publicId(), now);
                        SessionRecord record = fresh.withCreatedAt(position);
                        sessionCache.put(record, epoch);
                        return new Admitted(id, record);
                    });
                }))
                .thenApply(admitted -> {
                    if (admitted == null) {
                        throw new ProtocolException(
                                503, "too_many_sessions", "the server holds its maximum of sessions");
                    }
                    return admitted;
                })
                .thenCompose(admitted -> runConnectionListeners(admitted.record(), handlers)
                        .thenApply(x -> {
                            stats.connects.increment();
                            SessionRecord r = admitted.record();
                            LogFields.info(
                                    LogFields.SESSIONS,
                                    stats.instance,
                                    r.namespace(),
                                    r.id(),
                                    "connected from {}",
                                    address);
                            return connected(admitted.id(), r);
                        }));
    }

    /**
     * Runs a connect's count-and-create step: at once, with {@code maxSessions}, where the backend
     * {@linkplain io.socketserve.spi.SessionStore#admitsAtomically admits atomically}, else through
     * {@link Admissions}.
     */
    private <T> CompletionStage<@Nullable T> admit(Admissions.Step<T> step) {
        if (backend.admitsAtomically()) {
            return step.below(options.maxSessions());
        }
        return admissions.admit(step);
    }

    /**
     * What the session keeps of its handshake: the application's attributes, the client's address and
     * the request headers named in {@link ServerOptions#handshakeHeaders()} (for {@code fetchSockets};
     * stored under reserved {@code $} names that {@code Socket.attributes()} does not show).
     */
    private Map<String, String> storedAttributes(HandshakeImpl handshake, TransportRequest request) {
        Map<String, String> out = new java.util.LinkedHashMap<>(handshake.attributes());
        out.put(RemoteSocketImpl.ADDRESS_ATTRIBUTE, handshake.remoteAddress());
        for (String name : options.handshakeHeaders()) {
            String value = request.header(name);
            if (value != null && value.length() <= 1024) {
                out.put(RemoteSocketImpl.HEADER_ATTRIBUTE_PREFIX + name.toLowerCase(java.util.Locale.ROOT), value);
            }
        }
        return out;
    }

    /**
     * The client's address: the peer, or — behind a trusted proxy — the last address of the
     * configured header, which is the one that proxy appended (addresses before it were sent by the
     * client and prove nothing).
     */
    String clientAddress(TransportRequest request) {
        String header = options.clientAddressHeader();
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
            execution.executor.execute(() -> {
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
        SocketImpl socket = new SocketImpl(services, record, null);
        execution.perSession.execute(record.id(), () -> {
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
                + ",\"position\":" + Frames.positionJson(record.createdAt())
                + ",\"protocol\":1"
                + ",\"pingInterval\":" + options.keepaliveInterval().toMillis()
                + ",\"sessionTimeout\":" + options.sessionTimeout().toMillis() + "}";
        return TransportResponse.json(200, body.getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------------------------ message

    private CompletionStage<TransportResponse> message(TransportRequest request) {
        ObjectNode body = json.parseObject(request.body(), false);
        CompletionStage<SessionRecord> auth = authenticate(request, body);
        String event = Json.optionalString(body, "event");
        if (event == null) {
            throw ProtocolException.badRequest("missing_field", "'event' is required");
        }
        if (event.isEmpty() || event.length() > options.maxEventNameLength()) {
            throw ProtocolException.badRequest(
                    "invalid_field", "'event' must have 1.." + options.maxEventNameLength() + " characters");
        }
        JsonNode data = Json.orNull(body.get("data"));
        String messageId = Json.optionalString(body, "messageId");
        if (messageId != null && (messageId.isEmpty() || messageId.length() > MAX_MESSAGE_ID_LENGTH)) {
            throw ProtocolException.badRequest(
                    "invalid_field", "'messageId' must have 1.." + MAX_MESSAGE_ID_LENGTH + " characters");
        }
        long seq = sequenceNumber(body);
        boolean requiresAck = Json.optionalBoolean(body, "requiresAck");
        boolean ackInResponse = Json.optionalBoolean(body, "ackInResponse");
        if ((requiresAck || "__ack".equals(event)) && messageId == null) {
            throw ProtocolException.badRequest("missing_field", "'messageId' is required with an acknowledgement");
        }
        return auth.thenCompose(record -> rateLimits
                        .acquire("ev:" + record.id(), options.maxEventsPerSecond(), options.eventBurst())
                        .thenApply(wait -> {
                            if (wait > 0) {
                                stats.logRateLimitHit(
                                        record.namespace(), record.id(), "too many events from this session");
                                throw RateLimits.limited(wait, "too many events from this session");
                            }
                            stats.eventsReceived.increment();
                            return record;
                        }))
                .thenCompose(record -> {
                    liveness.touch(record.id(), record.createdMillis());
                    return invoker.handle(record, event, data, messageId, requiresAck, ackInResponse, seq);
                });
    }

    /** Largest {@code seq}: JavaScript's largest exact integer. */
    private static final long MAX_SEQ = (1L << 53) - 1;

    /** The event's {@code seq} (docs/protocol.md, "Exactly-once events"), 0 when absent. */
    private static long sequenceNumber(ObjectNode body) {
        JsonNode seq = body.get("seq");
        if (seq == null || seq.isNull()) {
            return 0;
        }
        if (!seq.isIntegralNumber() || !seq.canConvertToLong() || seq.asLong() < 1 || seq.asLong() > MAX_SEQ) {
            throw ProtocolException.badRequest("invalid_field", "'seq' must be an integer from 1 to " + MAX_SEQ);
        }
        return seq.asLong();
    }

    // --------------------------------------------------------------------------------- disconnect

    private CompletionStage<TransportResponse> disconnect(TransportRequest request) {
        ObjectNode body = json.parseObject(request.body(), true);
        return authenticate(request, body)
                .thenCompose(
                        record -> services.sessions.end(record.id(), io.socketserve.DisconnectReason.CLIENT_DISCONNECT))
                .thenApply(removed -> TransportResponse.json(200, OK));
    }

    // ----------------------------------------------------------------------------- poll / stream

    private CompletionStage<TransportResponse> poll(TransportRequest request) {
        CompletionStage<SessionRecord> auth = authenticate(request, null);
        Attacher.PollRequest poll = attacher.pollRequest(request);
        return auth.thenCompose(record -> attacher.poll(record, poll));
    }

    @Override
    public CompletionStage<@Nullable TransportResponse> openStream(TransportRequest request, StreamSink sink) {
        CompletionStage<@Nullable TransportResponse> stage;
        try {
            if (closed.getAsBoolean()) {
                throw new ProtocolException(503, "unavailable", "the server is shutting down");
            }
            Credentials.Parsed parsed = credential(request, null);
            io.socketserve.spi.LogPosition after = attacher.streamPosition(request);
            SessionRecord cached = sessionCache.get(parsed.publicId());
            if (cached != null) {
                stage = attacher.stream(verified(parsed, cached), after, sink, null);
            } else {
                // An instance that has not seen the session reads its record and rooms in one step.
                long epoch = sessionCache.epoch(parsed.publicId());
                stage = backend.findSessionWithMembership(parsed.publicId())
                        .thenCompose(found -> attacher.stream(
                                looked(parsed, found.record(), epoch), after, sink, found.membership()));
            }
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((response, error) -> error == null ? response : errorResponse(error, request));
    }
}
