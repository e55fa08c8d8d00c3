package io.socketserve;

import io.socketserve.internal.DefaultSocketServer;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The socket server: register handlers, emit to rooms, query membership. It speaks no HTTP itself: a
 * transport ({@code EmbeddedServer} from {@code socket-serve-netty}) feeds it requests through
 * {@code SocketEndpoint.of(server)}; payloads are (de)serialised with Jackson ({@link
 * ServerOptions.Builder#jsonMapper} to bring your own mapper).
 *
 * <pre>{@code
 * SocketServer server = SocketServer.create(ServerOptions.builder().maxRoomsPerSocket(10).build());
 * server.onConnection(socket -> socket.emit("welcome", Map.of("id", socket.id())));
 * server.on("joinChannel", (socket, data, ack) -> {
 *     String room = "channel:" + data.path("channelName").asText();
 *     socket.join(room);
 *     socket.broadcastToRoom(room, "userJoined", Map.of("username", socket.id()));
 * });
 * server.onDisconnect((socket, reason) ->
 *         socket.rooms().forEach(room -> socket.broadcastToRoom(room, "userLeft", Map.of("userId", socket.id()))));
 * EmbeddedServer http = EmbeddedServer.start(server, 8080);
 * }</pre>
 *
 * <h2>Lifecycle</h2>
 *
 * <p>{@link #create} builds and starts the server (connecting the backend; fails fast if it cannot).
 * Handlers may be registered at any time; register them before the transport starts so that no event
 * finds none. {@link #close()} closes the backend and stops the server's threads; sessions stay in a
 * shared backend (Redis) for other instances to serve.
 */
public interface SocketServer extends Namespace, AutoCloseable {

    /** A started server with default options (in-memory backend). */
    static SocketServer create() {
        return create(ServerOptions.defaults());
    }

    /** A started server. */
    static SocketServer create(ServerOptions options) {
        return DefaultSocketServer.start(options);
    }

    /**
     * The namespace with that name ({@code "/chat"}), created on first use; when the name matches a
     * dynamic namespace, a view of that one's handlers for this concrete name.
     */
    Namespace of(String name);

    /**
     * A dynamic namespace: one set of handlers for every name {@code matcher} accepts, created when
     * a client first connects to such a name.
     */
    Namespace of(java.util.function.Predicate<String> matcher);

    /** Registers the handler of an event (replacing an earlier one). */
    @Override
    SocketServer on(String event, EventHandler handler);

    /** Registers a typed handler: the payload is bound to {@code type} first. */
    @Override
    <T> SocketServer on(String event, Class<T> type, TypedEventHandler<T> handler);

    /**
     * Registers the {@link OnEvent}, {@link OnConnect} and {@link OnDisconnect} methods of {@code
     * listener} on the default namespace; see {@link Namespace#register(Object)}.
     *
     * <pre>{@code
     * server.register(new ChatListener());
     * }</pre>
     *
     * @return this server
     * @throws IllegalArgumentException naming each method that cannot be bound and how to fix it;
     *     nothing of the listener is registered then
     * @since 0.1
     */
    @Override
    default SocketServer register(Object listener) {
        Namespace.super.register(listener);
        return this;
    }

    @Override
    SocketServer off(String event);

    @Override
    SocketServer off(String event, Object handler);

    @Override
    SocketServer onAny(AnyEventListener listener);

    @Override
    SocketServer offAny(AnyEventListener listener);

    @Override
    SocketServer onUnhandled(EventHandler handler);

    /**
     * Sets what clients get when a handler of any namespace throws something other than a {@link
     * SocketServeException}; default {@link ExceptionHandler#DEFAULT} (a generic {@code 500
     * internal_error} with an error id that is also logged).
     *
     * @since 0.2
     */
    SocketServer exceptionHandler(ExceptionHandler handler);

    /** Adds a connection listener (called in registration order). */
    @Override
    SocketServer onConnection(ConnectionListener listener);

    /** Adds a disconnect listener (called in registration order, once per session). */
    @Override
    SocketServer onDisconnect(DisconnectListener listener);

    /** Adds connection middleware (runs before a session exists; may reject). */
    @Override
    SocketServer use(ConnectionMiddleware middleware);

    /** Adds event middleware (runs before every event handler; may reject). */
    @Override
    SocketServer useEvents(EventMiddleware middleware);

    /** Sets the hook that decides whether a socket may join a room (default: always). */
    @Override
    SocketServer authorizeJoin(JoinAuthorizer authorizer);

    /** Selects the members of rooms. */
    @Override
    BroadcastOperator to(String... rooms);

    /** Selects every socket except the members of these rooms. */
    @Override
    BroadcastOperator except(String... rooms);

    /** Sends to every socket of the default namespace. */
    @Override
    CompletionStage<Void> emit(String event, @Nullable Object data);

    /** A handle on a live session by public id, if it exists (blocking). */
    Optional<Socket> socket(String id);

    /** Public ids of a room's members (blocking). */
    @Override
    Set<String> roomMembers(String room);

    /** Number of members of a room, O(1) (blocking). */
    @Override
    long roomSize(String room);

    /**
     * The users present in a room (blocking), each once however many sessions it has there; see
     * {@link Socket#track}.
     *
     * @since 0.1
     */
    @Override
    java.util.List<PresenceEntry> presence(String room);

    /** Number of users present in a room, O(1) (blocking). @since 0.1 */
    @Override
    long presenceCount(String room);

    /**
     * Registers a listener told once per time a user goes offline, on exactly one instance; see
     * {@link UserOfflineListener}.
     *
     * @since 0.1
     */
    SocketServer onUserOffline(UserOfflineListener listener);

    /**
     * {@link #socket(String)} without blocking; completes on the handler executor.
     *
     * @since 0.2
     */
    CompletionStage<Optional<Socket>> socketAsync(String id);

    /** The rooms of a session (blocking); empty if it does not exist. */
    Set<String> socketRooms(String id);

    /** Application key/values shared by every instance. */
    SharedStore store();

    /** The options the server was built with. */
    ServerOptions options();

    /**
     * This instance's health (blocking: waits up to {@link ServerOptions#backendTimeout()} for the
     * backend): whether the backend answers, and whether this instance's log reader keeps up with
     * the log or is stalled; see {@link ServerHealth}. Read-only: one read of the log's head, nothing
     * changes. After {@link #close()} the backend counts as not reachable.
     *
     * <pre>{@code
     * ServerHealth health = server.health();
     * int status = health.healthy() ? 200 : 503;
     * }</pre>
     *
     * @since 0.2
     */
    default ServerHealth health() {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement health");
    }

    /**
     * This instance's live numbers now: sessions and streams attached here, totals of connects,
     * events, deliveries and more since the server started; see {@link ServerStats}. Cheap and
     * non-blocking (no backend call): an admin page or a meter registry may read it at any rate.
     *
     * <pre>{@code
     * ServerStats stats = server.stats();
     * long delivered = stats.deliveries();
     * }</pre>
     *
     * @since 0.2
     */
    default ServerStats stats() {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement stats");
    }

    /**
     * Stops this server's timers and threads and closes the backend. Idempotent. (One daemon thread,
     * {@code socket-serve-replay-pump}, is shared by every server of the JVM and stays.)
     */
    @Override
    void close();
}
