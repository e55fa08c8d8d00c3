package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.BroadcastOperator;
import io.socketserve.ConnectionListener;
import io.socketserve.DisconnectListener;
import io.socketserve.DisconnectReason;
import io.socketserve.EventHandler;
import io.socketserve.Namespace;
import io.socketserve.ServerOptions;
import io.socketserve.SharedStore;
import io.socketserve.Socket;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import io.socketserve.TypedEventHandler;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.JoinResult;
import io.socketserve.spi.LogSubscription;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.SessionRecord;
import io.socketserve.transport.SocketEndpoint;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SocketServer}: handler registry, emits, membership, session lifecycle, timers. Delivery
 * is the {@link Dispatcher}'s; the HTTP protocol is {@link Protocol}'s.
 */
public final class Engine implements SocketServer, Dispatcher.Host {

    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    /** Separates a namespace from a room name in room keys; a control character, so never in a name. */
    private static final char NS_SEPARATOR = '\u001f';

    final ServerOptions options;
    final Backend backend;
    final Json json;
    final ExecutorService handlerExecutor;
    private final boolean ownsExecutor;
    final KeyedSerialExecutor perSession;
    final Semaphore handlerPermits;
    final ScheduledExecutorService timer;
    final Dispatcher dispatcher;
    private final LogSubscription subscription;
    final AckRegistry acks;
    final NamespaceImpl root;
    private final ConcurrentHashMap<String, NamespaceImpl> namespaces = new ConcurrentHashMap<>();
    private final List<NamespaceImpl> dynamicNamespaces = new CopyOnWriteArrayList<>();
    final RateLimits rateLimits;
    private final Protocol protocol;
    private final SharedStoreImpl store;
    final Presence presence;
    final History history;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Until when expiry sweeps are suspended: after any backend trouble, attached sessions whose
     * heartbeats failed get a whole session timeout to be refreshed before anything may expire them.
     */
    private volatile long sweepSuspendedUntil;

    /**
     * When this instance last refreshed a session's expiry through {@link #touch}; touches closer
     * together than {@link #touchIntervalMillis} are skipped (a chatty client would otherwise cost
     * one backend script per message). Entries older than the interval are dropped every heartbeat.
     */
    private final ConcurrentHashMap<String, Long> lastTouch = new ConcurrentHashMap<>();

    private Engine(ServerOptions options, Backend backend, long head) {
        this.options = options;
        this.backend = backend;
        this.json = new Json(options.maxJsonDepth());
        ExecutorService configured = options.handlerExecutor();
        this.ownsExecutor = configured == null;
        this.handlerExecutor = configured != null ? configured : defaultHandlerExecutor();
        this.perSession = new KeyedSerialExecutor(handlerExecutor);
        this.handlerPermits = new Semaphore(options.maxConcurrentHandlers());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "socket-serve-timer");
            t.setDaemon(true);
            return t;
        });
        byte[] instance = new byte[6];
        new SecureRandom().nextBytes(instance);
        this.acks = new AckRegistry(java.util.HexFormat.of().formatHex(instance), timer, handlerExecutor);
        this.dispatcher = new Dispatcher(backend, this, Math.min(options.recoveryMaxMessages(), 65_536), head);
        this.subscription = backend.subscribe(head, dispatcher);
        this.root = new NamespaceImpl(this, "/", new Handlers(), null);
        this.namespaces.put("/", root);
        this.rateLimits = new RateLimits(backend);
        this.protocol = new Protocol(this);
        this.store = new SharedStoreImpl(this);
        this.presence = new Presence(this);
        presence.start();
        this.history = new History(
                backend,
                json.mapper(),
                handlerExecutor,
                Namespace.HISTORY_MAX_SCAN,
                options.recoveryMaxAge().toMillis(),
                options.backendTimeout().toMillis());
        long heartbeat = Math.max(100, Math.min(options.sessionTimeout().toMillis() / 3, 10_000));
        timer.scheduleWithFixedDelay(this::heartbeat, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
        long sweep = options.expirySweepInterval().toMillis();
        timer.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    /** Starts the backend and the engine; fails fast if the backend cannot start. */
    public static Engine start(ServerOptions options) {
        Objects.requireNonNull(options, "options == null");
        Backend backend = options.newBackend();
        long head;
        try {
            await(backend.start(options.recoveryMaxMessages()), options.backendTimeout());
            head = await(backend.head(), options.backendTimeout());
        } catch (RuntimeException e) {
            backend.close();
            throw new IllegalStateException("socket-serve cannot start its backend: " + e.getMessage(), e);
        }
        return new Engine(options, backend, head);
    }

    private static ExecutorService defaultHandlerExecutor() {
        try {
            // JDK 21+: one virtual thread per handler; looked up reflectively to keep the 17 baseline.
            return (ExecutorService) MethodHandles.publicLookup()
                    .findStatic(
                            Executors.class,
                            "newVirtualThreadPerTaskExecutor",
                            MethodType.methodType(ExecutorService.class))
                    .invoke();
        } catch (Throwable noVirtualThreads) {
            int threads = Math.max(16, Runtime.getRuntime().availableProcessors() * 8);
            return Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "socket-serve-handler");
                t.setDaemon(true);
                return t;
            });
        }
    }

    // ------------------------------------------------------------------------------- registration

    @Override
    public SocketServer on(String event, EventHandler handler) {
        root.on(event, handler);
        return this;
    }

    @Override
    public <T> SocketServer on(String event, Class<T> type, TypedEventHandler<T> handler) {
        root.on(event, type, handler);
        return this;
    }

    @Override
    public SocketServer onAny(EventHandler handler) {
        root.onAny(handler);
        return this;
    }

    @Override
    public SocketServer onConnection(ConnectionListener listener) {
        root.onConnection(listener);
        return this;
    }

    @Override
    public SocketServer use(io.socketserve.ConnectionMiddleware middleware) {
        root.use(middleware);
        return this;
    }

    @Override
    public SocketServer useEvents(io.socketserve.EventMiddleware middleware) {
        root.useEvents(middleware);
        return this;
    }

    @Override
    public SocketServer authorizeJoin(io.socketserve.JoinAuthorizer authorizer) {
        root.authorizeJoin(authorizer);
        return this;
    }

    @Override
    public SocketServer onDisconnect(DisconnectListener listener) {
        root.onDisconnect(listener);
        return this;
    }

    @Override
    public String name() {
        return "/";
    }

    @Override
    public Namespace of(String name) {
        validateNamespace(name);
        return namespaces.computeIfAbsent(name, n -> {
            NamespaceImpl parent = dynamicParent(n);
            return new NamespaceImpl(this, n, parent != null ? parent.handlers : new Handlers(), null);
        });
    }

    @Override
    public Namespace of(Predicate<String> matcher) {
        Objects.requireNonNull(matcher, "matcher == null");
        NamespaceImpl parent = new NamespaceImpl(
                this, "dynamic namespace #" + (dynamicNamespaces.size() + 1), new Handlers(), matcher);
        dynamicNamespaces.add(parent);
        return parent;
    }

    private @Nullable NamespaceImpl dynamicParent(String name) {
        for (NamespaceImpl d : dynamicNamespaces) {
            Predicate<String> m = d.matcher;
            if (m != null && m.test(name)) {
                return d;
            }
        }
        return null;
    }

    /**
     * The namespace a client asked for: an existing one, or a view of a matching dynamic one (not
     * remembered, so clients cannot grow the server's memory by inventing names); {@code null} if
     * neither.
     */
    @Nullable
    NamespaceImpl resolveNamespace(String name) {
        NamespaceImpl ns = namespaces.get(name);
        if (ns != null) {
            return ns;
        }
        NamespaceImpl parent = dynamicParent(name);
        return parent == null ? null : new NamespaceImpl(this, name, parent.handlers, null);
    }

    /** The handlers a session of {@code namespace} runs (empty ones if the namespace is gone). */
    Handlers handlers(String namespace) {
        NamespaceImpl ns = resolveNamespace(namespace);
        return ns != null ? ns.handlers : EMPTY_HANDLERS;
    }

    private static final Handlers EMPTY_HANDLERS = new Handlers();

    static void validateNamespace(String name) {
        Objects.requireNonNull(name, "name == null");
        if (!isValidNamespace(name)) {
            throw new IllegalArgumentException(
                    "a namespace starts with '/' and has 1..128 printable characters: " + name);
        }
    }

    static boolean isValidNamespace(String name) {
        if (!name.startsWith("/") || name.length() > 128) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Throws {@code forbidden_room} unless the namespace's authorizer lets {@code socket} join. */
    void checkJoin(Socket socket, String room) {
        io.socketserve.JoinAuthorizer authorizer = handlers(socket.namespace()).joinAuthorizer;
        if (authorizer == null) {
            return;
        }
        boolean allowed;
        try {
            allowed = authorizer.mayJoin(socket, room);
        } catch (SocketServeException e) {
            throw e;
        } catch (Exception e) {
            throw new SocketServeException("forbidden_room", "joining '" + room + "' was refused", 403, e);
        }
        if (!allowed) {
            throw new SocketServeException("forbidden_room", "not allowed to join '" + room + "'", 403);
        }
    }

    // ------------------------------------------------------------------------------------ emitting

    /**
     * Appends made by the handler running on this thread. The HTTP answer to an event waits for
     * them, so a client that sends its next event only after the previous one was answered sees its
     * messages ordered in the log as it sent them, even when consecutive events land on different
     * instances.
     */
    static final ThreadLocal<List<CompletableFuture<?>>> HANDLER_WRITES = new ThreadLocal<>();

    private static <T> CompletionStage<T> tracked(CompletionStage<T> stage) {
        List<CompletableFuture<?>> writes = HANDLER_WRITES.get();
        if (writes != null) {
            writes.add(stage.toCompletableFuture());
        }
        return stage;
    }

    /** Waits for the appends the current handler made (see {@link #HANDLER_WRITES}). */
    void awaitHandlerWrites(List<CompletableFuture<?>> writes) {
        if (!writes.isEmpty()) {
            await(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
        }
    }

    /** Appends a message entry; the payload is serialised here, once. */
    CompletionStage<Void> publish(
            String namespace,
            LogEntry.TargetType type,
            List<String> targets,
            List<String> exceptRooms,
            List<String> exceptSessions,
            boolean isVolatile,
            String event,
            @Nullable Object data,
            @Nullable String socketId,
            @Nullable String messageId) {
        validateEvent(event);
        long now = System.currentTimeMillis();
        byte[] frame = Frames.message(event, json.write(data), now, socketId, messageId);
        LogEntry.Message m =
                new LogEntry.Message(now, namespace, type, targets, exceptRooms, exceptSessions, isVolatile, frame);
        if (isVolatile) {
            // Never in the log, never replayed: handed to the instances connected right now.
            return backend.publishVolatile(EntryCodec.encode(m));
        }
        return tracked(backend.append(EntryCodec.encode(m)).thenApply(p -> null));
    }

    /** Sends the {@code __ack} answering a client's acknowledgement request. */
    CompletionStage<Void> publishAck(String sessionId, String namespace, String messageId, byte[] data, boolean error) {
        LogEntry.Message m = new LogEntry.Message(
                System.currentTimeMillis(),
                namespace,
                LogEntry.TargetType.SESSION,
                List.of(sessionId),
                List.of(),
                List.of(),
                false,
                Frames.ack(messageId, data, error));
        return tracked(backend.append(EntryCodec.encode(m)).thenApply(p -> null));
    }

    void validateEvent(String event) {
        Objects.requireNonNull(event, "event == null");
        if (event.isEmpty() || event.length() > options.maxEventNameLength()) {
            throw new SocketServeException(
                    "invalid_event", "event name must have 1.." + options.maxEventNameLength() + " characters", 400);
        }
    }

    String roomKey(String namespace, String room) {
        Objects.requireNonNull(room, "room == null");
        if (room.isEmpty() || room.length() > options.maxRoomNameLength()) {
            throw new SocketServeException(
                    "invalid_room", "room name must have 1.." + options.maxRoomNameLength() + " characters", 400);
        }
        for (int i = 0; i < room.length(); i++) {
            if (Character.isISOControl(room.charAt(i))) {
                throw new SocketServeException("invalid_room", "room name must not contain control characters", 400);
            }
        }
        return "/".equals(namespace) ? room : namespace + NS_SEPARATOR + room;
    }

    /** The namespace a room key belongs to. */
    static String namespaceOf(String key) {
        int i = key.indexOf(NS_SEPARATOR);
        return i < 0 ? "/" : key.substring(0, i);
    }

    static String roomName(String namespace, String key) {
        if ("/".equals(namespace)) {
            return key;
        }
        int i = key.indexOf(NS_SEPARATOR);
        return i < 0 ? key : key.substring(i + 1);
    }

    List<String> roomKeys(String namespace, String... rooms) {
        List<String> keys = new ArrayList<>(rooms.length);
        for (String room : rooms) {
            keys.add(roomKey(namespace, room));
        }
        return List.copyOf(new java.util.LinkedHashSet<>(keys));
    }

    // ---------------------------------------------------------------------------------- membership

    void join(String sessionId, String namespace, String room) {
        String key = roomKey(namespace, room);
        byte[] entry = EntryCodec.encode(new LogEntry.Join(System.currentTimeMillis(), sessionId, key));
        JoinResult r = await(backend.join(sessionId, key, options.maxRoomsPerSocket(), entry));
        switch (r.status()) {
            case LIMIT_REACHED -> throw new SocketServeException(
                    "room_limit",
                    "the socket is already in the maximum of " + options.maxRoomsPerSocket() + " rooms",
                    422);
            case NO_SESSION -> throw disconnected();
            default -> {}
        }
    }

    void leave(String sessionId, String namespace, String room) {
        String key = roomKey(namespace, room);
        byte[] entry = EntryCodec.encode(new LogEntry.Leave(System.currentTimeMillis(), sessionId, key));
        JoinResult r = await(backend.leave(sessionId, key, entry));
        if (r.status() == JoinResult.Status.NO_SESSION) {
            throw disconnected();
        }
        if (r.status() == JoinResult.Status.CHANGED) {
            // Leaving a room leaves its presence (a socket not in the room cannot be tracked there).
            await(presence.untrack(sessionId, key));
        }
    }

    Set<String> rooms(String sessionId, String namespace) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String key : await(backend.membership(sessionId)).rooms()) {
            out.add(roomName(namespace, key));
        }
        return out;
    }

    static SocketServeException disconnected() {
        return new SocketServeException("disconnected", "the socket is disconnected", 410);
    }

    // ------------------------------------------------------------------------------- session ends

    /** Ends a session; completes {@code true} on the one instance that removed it. */
    CompletionStage<Boolean> end(String sessionId, DisconnectReason reason) {
        byte[] entry =
                EntryCodec.encode(new LogEntry.Disconnect(System.currentTimeMillis(), sessionId, reason.wireName()));
        return backend.removeSession(sessionId, entry).thenApply(removed -> {
            if (removed == null) {
                return false;
            }
            presence.drop(sessionId);
            fireDisconnect(removed, reason);
            return true;
        });
    }

    private void fireDisconnect(RemovedSession removed, DisconnectReason reason) {
        List<DisconnectListener> disconnectListeners =
                handlers(removed.session().namespace()).disconnectListeners;
        if (disconnectListeners.isEmpty()) {
            return;
        }
        SocketImpl socket = SocketImpl.ended(this, removed);
        perSession.execute(removed.session().id(), () -> {
            for (DisconnectListener l : disconnectListeners) {
                try {
                    l.onDisconnect(socket, reason);
                } catch (Exception e) {
                    log.warn("disconnect handler failed for socket {}", socket.id(), e);
                }
            }
        });
    }

    @Override
    public void onAckReply(LogEntry.AckReply reply) {
        JsonNode answer;
        try {
            answer = json.mapper().readTree(reply.data());
        } catch (java.io.IOException e) {
            answer = com.fasterxml.jackson.databind.node.NullNode.getInstance();
        }
        acks.complete(reply.session(), reply.messageId(), answer);
    }

    @Override
    public void onSessionEnded(String sessionId) {
        acks.failSession(sessionId);
    }

    @Override
    public long recoveryMaxAgeMillis() {
        return options.recoveryMaxAge().toMillis();
    }

    /** A tenth of the session timeout: a session may expire at most that much early. */
    private long touchIntervalMillis() {
        return Math.max(1, options.sessionTimeout().toMillis() / 10);
    }

    void touch(String sessionId) {
        long now = System.currentTimeMillis();
        Long last = lastTouch.get(sessionId);
        if (last != null && now - last < touchIntervalMillis()) {
            return;
        }
        lastTouch.put(sessionId, now);
        backend.touchSessions(List.of(sessionId), now + options.sessionTimeout().toMillis())
                .exceptionally(e -> {
                    lastTouch.remove(sessionId, now); // try again with the next request
                    return null;
                });
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
                        : backend.touchSessions(
                                ids,
                                System.currentTimeMillis()
                                        + options.sessionTimeout().toMillis()))
                .exceptionally(e -> {
                    log.debug("heartbeat could not refresh sessions: {}", e.toString());
                    backendTrouble();
                    return null;
                });
    }

    /** Whether expiry (and presence lapse) sweeps are suspended after backend trouble. */
    boolean sweepSuspended() {
        return System.currentTimeMillis() < sweepSuspendedUntil;
    }

    /** Suspends expiry for one session timeout (called on any sign of backend unavailability). */
    void backendTrouble() {
        sweepSuspendedUntil =
                System.currentTimeMillis() + options.sessionTimeout().toMillis();
    }

    @Override
    public void onAvailability(boolean available) {
        backendTrouble();
    }

    private void sweep() {
        rateLimits.evictIdle();
        if (System.currentTimeMillis() < sweepSuspendedUntil) {
            return;
        }
        backend.expiredSessions(System.currentTimeMillis(), 512)
                .thenAccept(ids -> {
                    for (String id : ids) {
                        end(id, DisconnectReason.TIMEOUT).exceptionally(e -> false);
                    }
                })
                .exceptionally(e -> {
                    log.debug("expiry sweep failed: {}", e.toString());
                    backendTrouble();
                    return null;
                });
    }

    // ------------------------------------------------------------------------------- server API

    @Override
    public BroadcastOperator to(String... rooms) {
        return root.to(rooms);
    }

    @Override
    public BroadcastOperator except(String... rooms) {
        return root.except(rooms);
    }

    @Override
    public CompletionStage<Void> emit(String event, @Nullable Object data) {
        return root.emit(event, data);
    }

    @Override
    public Optional<Socket> socket(String id) {
        SessionRecord r = await(backend.findSession(id));
        return r == null ? Optional.empty() : Optional.of(new SocketImpl(this, r));
    }

    @Override
    public Set<String> roomMembers(String room) {
        return root.roomMembers(room);
    }

    @Override
    public long roomSize(String room) {
        return root.roomSize(room);
    }

    @Override
    public List<io.socketserve.PresenceEntry> presence(String room) {
        return root.presence(room);
    }

    @Override
    public long presenceCount(String room) {
        return root.presenceCount(room);
    }

    @Override
    public CompletionStage<List<io.socketserve.RoomMessage>> history(String room, int limit, String... events) {
        return root.history(room, limit, events);
    }

    @Override
    public SocketServer onUserOffline(io.socketserve.UserOfflineListener listener) {
        presence.onUserOffline(listener);
        return this;
    }

    @Override
    public Set<String> socketRooms(String id) {
        SessionRecord r = await(backend.findSession(id));
        return r == null ? Set.of() : rooms(id, r.namespace());
    }

    @Override
    public SharedStore store() {
        return store;
    }

    @Override
    public ServerOptions options() {
        return options;
    }

    @Override
    public ObjectMapper mapper() {
        return json.mapper();
    }

    @Override
    public SocketEndpoint endpoint() {
        return protocol;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timer.shutdownNow();
        subscription.close();
        // Streams end without __disconnect: the sessions live on (in a shared backend) and their
        // clients resume on another instance with Last-Event-ID.
        dispatcher.closeAll(null);
        dispatcher.shutdown();
        if (ownsExecutor) {
            handlerExecutor.shutdown();
        }
        backend.close();
    }

    boolean isClosed() {
        return closed.get();
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Waits for a backend stage from a handler thread, mapping failures to {@link SocketServeException}. */
    <T> T await(CompletionStage<T> stage) {
        return await(stage, options.backendTimeout());
    }

    static <T> T await(CompletionStage<T> stage, Duration timeout) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SocketServeException("interrupted", "interrupted while waiting for the backend", 503, e);
        } catch (TimeoutException e) {
            throw new SocketServeException(
                    "unavailable", "the backend did not answer within " + timeout.toMillis() + " ms", 503, e);
        } catch (ExecutionException | CompletionException | CancellationException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof SocketServeException s) {
                throw s;
            }
            if (cause instanceof BackendUnavailableException) {
                throw new SocketServeException(
                        "unavailable", "the backend is unavailable: " + cause.getMessage(), 503, cause);
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(cause);
        }
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
