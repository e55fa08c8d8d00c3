package io.socketserve;

import io.socketserve.internal.AnnotatedListeners;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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

    /**
     * Registers the annotated methods of {@code listener}: each {@link OnEvent} method as the handler
     * of its event (as {@link #on(String, Class, TypedEventHandler)} would, replacing an earlier
     * handler of that event), each {@link OnConnect} method as a connection listener and each {@link
     * OnDisconnect} method as a disconnect listener. No framework is involved: the object is yours,
     * built however you like.
     *
     * <pre>{@code
     * class Chat {
     *     record Say(String room, String text) {}
     *
     *     @OnConnect
     *     void connected(Socket socket) {
     *         socket.join("lobby");
     *     }
     *
     *     @OnEvent("say")
     *     void say(Socket socket, Say message) {
     *         socket.broadcastToRoom(message.room(), "said", message.text());
     *     }
     * }
     *
     * server.register(new Chat());
     * server.of("/admin").register(new AdminCommands(server));
     * }</pre>
     *
     * <p>Parameters are bound by type, see {@link OnEvent}, {@link OnConnect} and {@link
     * OnDisconnect}. The methods are found on the object's class and its superclasses, not on
     * interfaces. They may have any visibility, {@code private} included: they are called through
     * reflection made accessible, which always works on the class path; in a named module, {@code
     * opens} the listener's package (or make the methods and the class public in an exported package).
     * Static methods are rejected (the methods of the given object are bound). An annotated method
     * that a subclass overrides keeps its annotation when the override has none (and the override
     * runs); an annotated override replaces it. Connect and disconnect methods run superclass first,
     * then in the order of their names.
     *
     * <p>Every method is checked here, before anything is registered: a static or inaccessible
     * method, a parameter that cannot be bound, a type given twice, two payload types, an {@link Ack}
     * parameter together with a return value, an empty or reserved event name, two methods for one
     * event, or an object with no annotated method at all throw an {@link IllegalArgumentException}
     * naming the class, each bad method's signature, what is wrong and how to fix it, and nothing of
     * the listener is registered.
     *
     * @return this namespace
     * @throws IllegalArgumentException as described above
     * @since 0.1
     */
    default Namespace register(Object listener) {
        AnnotatedListeners.register(this, listener);
        return this;
    }

    /**
     * Removes the handler of {@code event} (whatever it is). Idempotent. Events that arrive afterwards
     * go to {@link #onUnhandled} (or are answered as unknown).
     *
     * @since 0.2
     */
    Namespace off(String event);

    /**
     * Removes the handler of {@code event} if it is {@code handler}: the same {@link EventHandler} or
     * {@link TypedEventHandler} instance that was passed to {@code on}. Idempotent.
     *
     * <pre>{@code
     * EventHandler typing = (socket, data, ack) -> socket.broadcast().emit("typing", socket.id());
     * server.on("typing", typing);
     * ...
     * server.off("typing", typing);
     * }</pre>
     *
     * @since 0.2
     */
    Namespace off(String event, Object handler);

    /**
     * Adds a listener that sees every event (after the event middleware, before the handler), in
     * registration order. See {@link AnyEventListener} (and its migration note: the fallback for
     * events without a handler is now {@link #onUnhandled}).
     *
     * @since 0.2
     */
    Namespace onAny(AnyEventListener listener);

    /** Removes a listener added with {@link #onAny}. Idempotent. @since 0.2 */
    Namespace offAny(AnyEventListener listener);

    /**
     * Handles events that have no handler of their own (replacing an earlier fallback). Before 0.2
     * this was {@code onAny(EventHandler)}.
     *
     * @since 0.2
     */
    Namespace onUnhandled(EventHandler handler);

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

    /**
     * {@link #roomMembers} without blocking; completes on the handler executor. (The defaults of
     * these async variants run the blocking call on the common pool; the server's own implementation
     * never blocks.)
     *
     * @since 0.2
     */
    default CompletionStage<Set<String>> roomMembersAsync(String room) {
        return CompletableFuture.supplyAsync(() -> roomMembers(room));
    }

    /** {@link #roomSize} without blocking. @since 0.2 */
    default CompletionStage<Long> roomSizeAsync(String room) {
        return CompletableFuture.supplyAsync(() -> roomSize(room));
    }

    /** {@link #presence} without blocking. @since 0.2 */
    default CompletionStage<List<PresenceEntry>> presenceAsync(String room) {
        return CompletableFuture.supplyAsync(() -> presence(room));
    }

    /** {@link #presenceCount} without blocking. @since 0.2 */
    default CompletionStage<Long> presenceCountAsync(String room) {
        return CompletableFuture.supplyAsync(() -> presenceCount(room));
    }

    /**
     * Every socket of this namespace, on every instance: {@code to()} with no room. Same as {@code
     * except()} with nothing excluded.
     *
     * @since 0.2
     */
    default CompletionStage<List<RemoteSocket>> fetchSockets() {
        return except().fetchSockets();
    }

    /** {@value} — the most messages one {@link #history} call returns. */
    int MAX_HISTORY_LIMIT = 1_000;

    /** {@value} — the most log entries one {@link #history} call reads, newest first. */
    int HISTORY_MAX_SCAN = 10_000;

    /**
     * The last messages sent to a room, read back from the ordered log: at most {@code limit} of
     * them, oldest first, each with its position. For a chat's "recent messages" when someone joins
     * (a membership starts at its join: without this, a late joiner sees nothing of what was said).
     *
     * <pre>{@code
     * server.on("joinChannel", (socket, data, ack) -> {
     *     String room = "channel:" + data.path("channelName").asText();
     *     socket.join(room);
     *     List<RoomMessage> last = server.history(room, 50, "newMessage").toCompletableFuture().join();
     *     socket.emit("history", Map.of("messages", last.stream().map(RoomMessage::data).toList()));
     * });
     * }</pre>
     *
     * <p>What counts: the non-volatile emits addressed to this room — {@code to(room…)}, {@code
     * broadcastToRoom(room, …)}, {@code socket.to(room…)} (which only left out the sender) — whose
     * event is one of {@code events} (every event when none is given). Emits that excluded rooms
     * ({@code except(…)}) are left out: who was meant to read them depended on memberships at that
     * moment. Emits to a single socket or to everybody are not room messages.
     *
     * <p>Only what is inside the recovery window is returned: messages the log still holds ({@link
     * ServerOptions#recoveryMaxMessages()}) that are younger than {@link
     * ServerOptions#recoveryMaxAge()}. When the window holds fewer than {@code limit}, the answer is
     * what is there — possibly nothing. The log is read backwards from its head in chunks, at most
     * {@value #HISTORY_MAX_SCAN} entries per call (entries of every room count), so a quiet room on a
     * busy server may get fewer messages than it has in the window. It is a read: nothing is sent,
     * and any instance answers the same (with Redis, one {@code XREVRANGE} per chunk).
     *
     * <p>Messages appended while the call runs may or may not be included. A socket that joined the
     * room just before the call also receives, live, the messages between its join and the call:
     * give messages an id of your own if the client must drop those twice-seen ones.
     *
     * @param limit 1 to {@value #MAX_HISTORY_LIMIT}
     * @param events event names to return; none: every event
     * @return completes with the messages, oldest first; fails with {@link SocketServeException}
     *     {@code unavailable} when the backend cannot be read
     * @throws IllegalArgumentException for a limit out of range
     * @throws SocketServeException {@code invalid_room} for an invalid room name
     * @since 0.1
     */
    default CompletionStage<List<RoomMessage>> history(String room, int limit, String... events) {
        return CompletableFuture.failedFuture(
                new UnsupportedOperationException(getClass().getName() + " does not implement history"));
    }
}
