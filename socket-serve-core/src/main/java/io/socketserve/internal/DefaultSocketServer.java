package io.socketserve.internal;

import io.socketserve.AnyEventListener;
import io.socketserve.BroadcastOperator;
import io.socketserve.ConnectionListener;
import io.socketserve.ConnectionMiddleware;
import io.socketserve.DisconnectListener;
import io.socketserve.DisconnectReason;
import io.socketserve.EventHandler;
import io.socketserve.EventMiddleware;
import io.socketserve.ExceptionHandler;
import io.socketserve.JoinAuthorizer;
import io.socketserve.Namespace;
import io.socketserve.PresenceEntry;
import io.socketserve.RoomMessage;
import io.socketserve.ServerHealth;
import io.socketserve.ServerOptions;
import io.socketserve.ServerStats;
import io.socketserve.SharedStore;
import io.socketserve.Socket;
import io.socketserve.SocketServer;
import io.socketserve.TypedEventHandler;
import io.socketserve.UserOfflineListener;
import io.socketserve.spi.Backend;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.LogRetention;
import io.socketserve.spi.LogSubscription;
import io.socketserve.spi.SessionRecord;
import io.socketserve.transport.EndpointProvider;
import io.socketserve.transport.SocketEndpoint;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The stock {@link SocketServer}: the composition root that builds the server's parts — each with
 * one job and only the collaborators it uses — and the facade applications call. Nothing refers back
 * to it. See {@code docs/architecture.md} for the parts and the path of a broadcast.
 */
public final class DefaultSocketServer implements SocketServer, EndpointProvider {

    private final ServerOptions options;
    private final Backend backend;
    private final HandlerExecution execution;
    private final ScheduledExecutorService timer;
    private final Dispatcher dispatcher;
    private final LogSubscription subscription;
    private final ReaderWatch readerWatch;
    private final Namespaces namespaces;
    private final SocketServices services;
    private final NamespaceImpl root;
    /** One view per static namespace: {@code of(name)} always returns the same object. */
    private final java.util.concurrent.ConcurrentHashMap<String, NamespaceImpl> views =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final Protocol protocol;
    private final SharedStoreImpl store;
    private final HandlerFailures failures = new HandlerFailures();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final EngineStats stats;

    /** Records kept by the {@link SessionCache} at most (about 400 bytes each). */
    private static final int SESSION_CACHE_ENTRIES = 32_768;

    private DefaultSocketServer(ServerOptions options, Backend backend, LogPosition head) {
        this.options = options;
        this.backend = backend;
        Json json = new Json(options.maxJsonDepth(), options.jsonMapper());
        Blocking blocking = new Blocking(options.backendTimeout());
        RoomKeys roomKeys = new RoomKeys(options.maxRoomNameLength());
        BackendHealth health = new BackendHealth(options.sessionTimeout());
        this.execution = new HandlerExecution(options);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "socket-serve-timer");
            t.setDaemon(true);
            return t;
        });
        byte[] instance = new byte[6];
        new SecureRandom().nextBytes(instance);
        String instanceId = HexFormat.of().formatHex(instance);
        this.stats = new EngineStats(instanceId, backendKind(backend));
        stats.head(ReaderWatch.sum(head));
        AckRegistry acks = new AckRegistry(instanceId, timer, execution.executor, stats);
        SessionCache sessionCache = new SessionCache(options.sessionTimeout(), SESSION_CACHE_ENTRIES);
        this.dispatcher = new Dispatcher(
                backend,
                new DeliveryEvents(acks, json, health, options.recoveryMaxAge().toMillis(), sessionCache, stats),
                Math.min(options.recoveryMaxMessages(), 65_536),
                options.recoveryMaxBytes(),
                options.recoveryMaxAge().toMillis(),
                head);
        this.subscription = head.partitions() == 1
                ? backend.subscribe(head.single(), dispatcher)
                : backend.subscribe(head.toArray(), dispatcher);
        this.readerWatch = new ReaderWatch(
                backend, dispatcher, health, options.readerStallTimeout(), options.backendTimeout(), stats);
        this.namespaces = new Namespaces();
        Presence presence = new Presence(
                options, backend, json, blocking, roomKeys, timer, execution.executor, dispatcher, health, stats);
        LogBudgets logBudgets = new LogBudgets(
                options.sessionLogBytesPerWindow(), options.recoveryMaxAge().toMillis());
        Publisher publisher = new Publisher(backend, json, options.maxEventNameLength(), logBudgets, stats);
        Membership membership = new Membership(backend, roomKeys, presence, options.maxRoomsPerSocket());
        this.services = new SocketServices(
                backend,
                json,
                blocking,
                roomKeys,
                namespaces,
                publisher,
                membership,
                presence,
                acks,
                new History(
                        backend,
                        json.mapper(),
                        execution.executor,
                        Namespace.HISTORY_MAX_SCAN,
                        options.recoveryMaxAge().toMillis(),
                        options.backendTimeout().toMillis()),
                execution.perSession,
                execution.executor,
                options.maxSessions(),
                options.payloadValidator(),
                sessionCache,
                stats);
        this.root = new NamespaceImpl(services, "/", namespaces.root(), null);
        Liveness liveness = new Liveness(backend, dispatcher, services.sessions, health, options.sessionTimeout());
        RateLimits rateLimits = new RateLimits(backend);
        this.protocol = new Protocol(
                options,
                json,
                backend,
                namespaces,
                rateLimits,
                execution,
                services,
                liveness,
                new EventInvoker(options, namespaces, execution, services, publisher, acks, json, failures, stats),
                new Attacher(options, backend, dispatcher, liveness, presence, timer, execution.executor, stats),
                closed::get,
                sessionCache,
                stats);
        stats.gauges(
                dispatcher::localRooms,
                () -> ReaderWatch.sum(dispatcher.processedPosition()),
                dispatcher::lastProgressMillis,
                () -> Math.max(0, options.maxConcurrentHandlers() - execution.permits.availablePermits()),
                dispatcher::queuedBytes);
        this.store = new SharedStoreImpl(backend, json, blocking, execution.executor);
        presence.start();
        liveness.start(timer, options.expirySweepInterval());
        readerWatch.start(timer);
        long sweep = options.expirySweepInterval().toMillis();
        timer.scheduleWithFixedDelay(rateLimits::evictIdle, sweep, sweep, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(
                () -> logBudgets.evictIdle(System.currentTimeMillis()), sweep, sweep, TimeUnit.MILLISECONDS);
    }

    /** Starts the backend and the server; fails fast if the backend cannot start. */
    public static DefaultSocketServer start(ServerOptions options) {
        Objects.requireNonNull(options, "options == null");
        Backend backend = options.newBackend();
        LogPosition head;
        try {
            Blocking.await(
                    backend.start(new LogRetention(
                            options.recoveryMaxMessages(), options.recoveryMaxBytes(), options.recoveryMaxAge())),
                    options.backendTimeout());
            int partitions = backend.partitions();
            if (partitions < 1 || partitions > io.socketserve.spi.Partitions.MAX) {
                throw new IllegalArgumentException("the backend's log has " + partitions
                        + " partitions; socket-serve supports 1.." + io.socketserve.spi.Partitions.MAX);
            }
            head = partitions == 1
                    ? LogPosition.of(Blocking.await(backend.head(), options.backendTimeout()))
                    : Blocking.await(backend.heads(), options.backendTimeout());
        } catch (RuntimeException e) {
            backend.close();
            throw new IllegalStateException("socket-serve cannot start its backend: " + e.getMessage(), e);
        }
        return new DefaultSocketServer(options, backend, head);
    }

    /** The dispatcher (tests in this package). */
    Dispatcher dispatcher() {
        return dispatcher;
    }

    /** The backend (tests in this package). */
    Backend backend() {
        return backend;
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
    public SocketServer off(String event) {
        root.off(event);
        return this;
    }

    @Override
    public SocketServer off(String event, Object handler) {
        root.off(event, handler);
        return this;
    }

    @Override
    public SocketServer onAny(AnyEventListener listener) {
        root.onAny(listener);
        return this;
    }

    @Override
    public SocketServer offAny(AnyEventListener listener) {
        root.offAny(listener);
        return this;
    }

    @Override
    public SocketServer onUnhandled(EventHandler handler) {
        root.onUnhandled(handler);
        return this;
    }

    @Override
    public SocketServer exceptionHandler(ExceptionHandler handler) {
        failures.use(handler);
        return this;
    }

    @Override
    public SocketServer onConnection(ConnectionListener listener) {
        root.onConnection(listener);
        return this;
    }

    @Override
    public SocketServer use(ConnectionMiddleware middleware) {
        root.use(middleware);
        return this;
    }

    @Override
    public SocketServer useEvents(EventMiddleware middleware) {
        root.useEvents(middleware);
        return this;
    }

    @Override
    public SocketServer authorizeJoin(JoinAuthorizer authorizer) {
        root.authorizeJoin(authorizer);
        return this;
    }

    @Override
    public SocketServer onDisconnect(DisconnectListener listener) {
        root.onDisconnect(listener);
        return this;
    }

    @Override
    public SocketServer onUserOffline(UserOfflineListener listener) {
        services.presence.onUserOffline(listener);
        return this;
    }

    @Override
    public String name() {
        return "/";
    }

    @Override
    public Namespace of(String name) {
        RoomKeys.validateNamespace(name);
        if ("/".equals(name)) {
            return root;
        }
        return views.computeIfAbsent(name, n -> new NamespaceImpl(services, n, namespaces.staticNamespace(n), null));
    }

    @Override
    public Namespace of(Predicate<String> matcher) {
        Namespaces.Dynamic d = namespaces.dynamicNamespace(matcher);
        return new NamespaceImpl(services, d.description(), d.handlers(), d.matcher());
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
        SessionRecord r = services.blocking.get(backend.findSession(id));
        return r == null ? Optional.empty() : Optional.of(new SocketImpl(services, r, null));
    }

    @Override
    public CompletionStage<Optional<Socket>> socketAsync(String id) {
        return services.onHandlers(backend.findSession(id)
                .thenApply(r ->
                        r == null ? Optional.<Socket>empty() : Optional.<Socket>of(new SocketImpl(services, r, null))));
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
    public List<PresenceEntry> presence(String room) {
        return root.presence(room);
    }

    @Override
    public long presenceCount(String room) {
        return root.presenceCount(room);
    }

    @Override
    public CompletionStage<List<RoomMessage>> history(String room, int limit, String... events) {
        return root.history(room, limit, events);
    }

    @Override
    public CompletionStage<Set<String>> roomMembersAsync(String room) {
        return root.roomMembersAsync(room);
    }

    @Override
    public CompletionStage<Long> roomSizeAsync(String room) {
        return root.roomSizeAsync(room);
    }

    @Override
    public CompletionStage<List<PresenceEntry>> presenceAsync(String room) {
        return root.presenceAsync(room);
    }

    @Override
    public CompletionStage<Long> presenceCountAsync(String room) {
        return root.presenceCountAsync(room);
    }

    @Override
    public Set<String> socketRooms(String id) {
        SessionRecord r = services.blocking.get(backend.findSession(id));
        return r == null ? Set.of() : services.blocking.get(services.membership.rooms(id, r.namespace()));
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
    public ServerHealth health() {
        return closed.get() ? readerWatch.closed() : readerWatch.check();
    }

    @Override
    public ServerStats stats() {
        return stats.snapshot();
    }

    /** The backend's kind as {@link ServerStats#backend()} names it. */
    private static String backendKind(Backend backend) {
        String name = backend.getClass().getSimpleName();
        if (name.equals("InMemoryBackend")) {
            return "memory";
        }
        if (name.endsWith("Backend") && name.length() > "Backend".length()) {
            name = name.substring(0, name.length() - "Backend".length());
        }
        return name.toLowerCase(java.util.Locale.ROOT);
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
        if (!backend.sessionsOutliveInstance()) {
            endLocalSessions();
        }
        timer.shutdownNow();
        dispatcher.releaseReaders();
        subscription.close();
        // With a shared backend the sessions live on: each stream still open ends with __reconnect,
        // and its client resumes at once on another instance with its last position. (The
        // in-memory backend's sessions got __disconnect above.)
        dispatcher.closeAll(
                backend.sessionsOutliveInstance()
                        ? Frames.reconnect(DisconnectReason.SERVER_SHUTTING_DOWN.wireName())
                        : null);
        dispatcher.shutdown();
        execution.close();
        backend.close();
    }

    /**
     * The sessions die with this instance (in-memory backend): end them now, so that their disconnect
     * listeners run (reason {@link DisconnectReason#SERVER_SHUTTING_DOWN}) and attached clients get
     * {@code __disconnect} instead of a bare close. Bounded by {@link #SHUTDOWN_GRACE}.
     */
    private void endLocalSessions() {
        long deadline = System.nanoTime() + SHUTDOWN_GRACE.toNanos();
        try {
            List<String> ids =
                    Blocking.await(backend.expiredSessions(Long.MAX_VALUE, options.maxSessions()), SHUTDOWN_GRACE);
            List<java.util.concurrent.CompletableFuture<Boolean>> ends = new java.util.ArrayList<>(ids.size());
            for (String id : ids) {
                ends.add(services.sessions
                        .end(id, DisconnectReason.SERVER_SHUTTING_DOWN)
                        .toCompletableFuture());
            }
            long left = Math.max(1, deadline - System.nanoTime());
            java.util.concurrent.CompletableFuture.allOf(ends.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(left, TimeUnit.NANOSECONDS);
            // Let the disconnect frames reach the attached clients before their streams close.
            LogPosition head = backend.partitions() == 1
                    ? LogPosition.of(Blocking.await(backend.head(), SHUTDOWN_GRACE))
                    : Blocking.await(backend.heads(), SHUTDOWN_GRACE);
            while (!dispatcher.processedPosition().covers(head) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(DefaultSocketServer.class)
                    .debug("ending sessions at shutdown did not finish: {}", e.toString());
        }
    }

    /** How long {@link #close()} waits for sessions to end and their listeners to run. */
    private static final java.time.Duration SHUTDOWN_GRACE = java.time.Duration.ofSeconds(5);

    @Override
    public String toString() {
        return "SocketServer[" + backend.getClass().getSimpleName() + "]";
    }
}
