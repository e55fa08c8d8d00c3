package io.socketserve;

import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A separate group of handlers, middleware and rooms on one server, chosen by the client when it
 * connects ({@code connect('/socket', {namespace: '/chat'})}) and fixed for the life of its session:
 * a client cannot send events to another namespace, and rooms of one namespace are invisible to
 * another ({@code "lobby"} in {@code /chat} is not {@code "lobby"} in {@code /game}).
 *
 * <pre>{@code
 * Namespace chat = server.of("/chat");
 * chat.use(handshake -> requireUser(handshake));
 * chat.on("say", (socket, data, ack) -> socket.broadcastToRoom("general", "said", data));
 *
 * // dynamic: one set of handlers for every matching name, created when a client asks for it
 * Namespace games = server.of(name -> name.matches("/game-\\d+"));
 * games.on("move", (socket, data, ack) -> socket.broadcast().emit("moved", data)); // socket.namespace() tells which game
 * server.of("/game-42").to("players").emit("tick", state);
 * }</pre>
 *
 * <p>The server itself is the default namespace {@code "/"}. A client asking for a namespace that
 * neither exists nor matches a dynamic one is answered {@code 404 unknown_namespace}; clients never
 * create namespaces.
 */
public interface Namespace {

    /** {@code "/chat"}, or for a dynamic parent a description of what it matches. */
    String name();

    /** Registers the handler of an event (replacing an earlier one). */
    Namespace on(String event, EventHandler handler);

    /** Registers a typed handler: the payload is bound to {@code type} first. */
    <T> Namespace on(String event, Class<T> type, TypedEventHandler<T> handler);

    /** Called for events that have no handler of their own. */
    Namespace onAny(EventHandler handler);

    /** Adds a connection listener (called in registration order). */
    Namespace onConnection(ConnectionListener listener);

    /** Adds a disconnect listener (called in registration order, once per session). */
    Namespace onDisconnect(DisconnectListener listener);

    /** Adds connection middleware (runs before a session exists; may reject). */
    Namespace use(ConnectionMiddleware middleware);

    /** Adds event middleware (runs before every event handler; may reject). */
    Namespace useEvents(EventMiddleware middleware);

    /** Sets the hook that decides whether a socket may join a room (default: always). */
    Namespace authorizeJoin(JoinAuthorizer authorizer);

    /**
     * Selects the members of rooms of this namespace.
     *
     * @throws IllegalStateException on a dynamic parent, which has no rooms of its own: use {@code
     *     server.of(concreteName)}
     */
    BroadcastOperator to(String... rooms);

    /** Same as {@link #to}. */
    default BroadcastOperator in(String... rooms) {
        return to(rooms);
    }

    /** Selects every socket of this namespace except the members of these rooms. */
    BroadcastOperator except(String... rooms);

    /** Sends to every socket of this namespace. */
    CompletionStage<Void> emit(String event, @Nullable Object data);

    /** Public ids of a room's members (blocking). */
    Set<String> roomMembers(String room);

    /** Number of members of a room, O(1) (blocking). */
    long roomSize(String room);

    /**
     * The users present in a room (blocking), each once however many sessions it has there; see
     * {@link Socket#track}.
     *
     * @since 0.1
     */
    java.util.List<PresenceEntry> presence(String room);

    /** Number of users present in a room, O(1) (blocking). @since 0.1 */
    long presenceCount(String room);
}
