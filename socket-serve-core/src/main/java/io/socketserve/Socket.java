package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * One client session as seen from a handler. A {@code Socket} is a cheap handle: nothing about the
 * session lives in it, so a handler on any instance may act on any session.
 *
 * <h2>Lifecycle</h2>
 *
 * <ol>
 *   <li><b>connected</b> — from {@code POST /connect} until the session ends. The client may be
 *       attached (an SSE stream or a waiting poll on some instance) or detached (between
 *       reconnects); emits to a detached socket are kept in the log and delivered when it comes back
 *       within the recovery window.
 *   <li><b>disconnected</b> — after the client disconnects, the application disconnects it, or it
 *       stays detached past {@link ServerOptions#sessionTimeout()}. The {@link DisconnectListener}
 *       sees the socket in this state, with {@link #rooms()} still answering the rooms it was in.
 * </ol>
 *
 * <h2>Blocking</h2>
 *
 * <p>{@link #join}, {@link #leave}, {@link #rooms()} and {@link #data()} wait for the backend (no
 * wait in memory; one round trip to Redis): call them from handlers (which run on the handler
 * executor — virtual threads on JDK 21+), never from a network thread. Each has a non-blocking
 * {@code …Async} variant whose stage completes on the handler executor, so callbacks chained on it
 * never run on a backend or network thread. Emits never block: they return a stage that completes
 * when the message is committed to the log, in call order (on whichever thread committed it: keep
 * callbacks chained on an emit short, or use {@code thenAcceptAsync}).
 *
 * <h2>Overflow</h2>
 *
 * <p>An emit to a client whose connection buffer is full ({@link
 * ServerOptions#maxStreamBufferBytes()}) is not dropped: the server closes that client's stream
 * and the client resumes with what it missed. Only {@linkplain BroadcastOperator#volatileEmit
 * volatile} emits may be dropped.
 */
public interface Socket {

    /** The public id: safe to show to other users; never the session's credential. */
    String id();

    /** The namespace the session connected to ({@code "/"} by default). */
    String namespace();

    /** {@code false} once the session has ended (in the disconnect handler). */
    boolean connected();

    /** Attributes set at the handshake (for example the authenticated user), immutable. */
    java.util.Map<String, String> attributes();

    /** Sends an event to this socket only. */
    CompletionStage<Void> emit(String event, @Nullable Object data);

    /**
     * Sends an event to this socket and asks the client to acknowledge it. The stage completes with
     * the client's answer, or exceptionally with {@link AckTimeoutException} after {@code timeout},
     * or with a {@link SocketServeException} ({@code disconnected}) if the session ends first.
     */
    CompletionStage<JsonNode> emitWithAck(String event, @Nullable Object data, Duration timeout);

    /**
     * {@link #emitWithAck(String, Object, Duration)} with the answer bound to {@code type} (an answer
     * that does not bind fails the stage with {@code invalid_payload}).
     *
     * @since 0.2
     */
    <T> CompletionStage<T> emitWithAck(String event, @Nullable Object data, Duration timeout, Class<T> type);

    /**
     * Adds this socket to a room. Idempotent. Messages sent to the room from now on reach the socket;
     * earlier ones do not.
     *
     * @throws SocketServeException {@code room_limit} past {@link ServerOptions#maxRoomsPerSocket()},
     *     {@code invalid_room} for a name that is empty, too long or has control characters, {@code
     *     disconnected} if the session is gone
     */
    void join(String room);

    /** Removes this socket from a room. Idempotent. */
    void leave(String room);

    /** The rooms this socket is in (a snapshot). */
    Set<String> rooms();

    /**
     * {@link #join} without blocking: completes (on the handler executor) when the membership is
     * committed, or exceptionally with what {@code join} throws.
     *
     * @since 0.2
     */
    CompletionStage<Void> joinAsync(String room);

    /** {@link #leave} without blocking. @since 0.2 */
    CompletionStage<Void> leaveAsync(String room);

    /** {@link #rooms()} without blocking. @since 0.2 */
    CompletionStage<Set<String>> roomsAsync();

    /**
     * {@link #track} without blocking (it runs on the handler executor; the caller's thread never
     * waits).
     *
     * @since 0.2
     */
    CompletionStage<Void> trackAsync(String room, String userId, @Nullable Object state);

    /** {@link #updatePresence} without blocking. @since 0.2 */
    CompletionStage<Void> updatePresenceAsync(String room, @Nullable Object state);

    /** {@link #untrack} without blocking. @since 0.2 */
    CompletionStage<Void> untrackAsync(String room);

    /** {@link #disconnect} without blocking. @since 0.2 */
    CompletionStage<Void> disconnectAsync();

    /**
     * Enters the presence of {@code room} as {@code userId} with {@code state} (any JSON-mappable
     * value; {@code null} for none), joining the room first if the socket is not a member (checked
     * like {@link #join}). If the user was not present in the room yet, every member of the room
     * receives a {@code presence} event {@code {"type":"join","room":…,"user":…,"state":…}}; if it was
     * (another session of the same user, or this one tracking again) and the state differs, a {@code
     * "update"} event. A user with several sessions in a room is present once.
     *
     * <p>The session stays present while its stream or polls keep it alive; see {@link
     * ServerOptions#presenceHeartbeat()}. When the session leaves the room, ends, or its instance
     * dies without the client reconnecting elsewhere, it stops counting, and when it was the user's
     * last session there the members receive {@code {"type":"leave",…}}. A session that lost its
     * presence and reconnects re-enters every room it was tracked in.
     *
     * <pre>{@code
     * socket.track("lobby", user.id(), Map.of("name", user.name(), "status", "online"));
     * ack.send(server.presence("lobby")); // who is here
     * }</pre>
     *
     * @throws SocketServeException {@code invalid_user} for an empty or too long (over 256 characters)
     *     user id or one with control characters, {@code presence_user_mismatch} (409) when this
     *     session is already tracked as another user, {@code presence_state_too_large} (413) past
     *     {@link ServerOptions#maxPresenceStateBytes()}, and whatever {@link #join} throws
     * @since 0.1
     */
    void track(String room, String userId, @Nullable Object state);

    /**
     * Changes this socket's presence state in {@code room}; members receive a {@code presence} event
     * {@code {"type":"update",…}} when the user's state changes.
     *
     * @throws SocketServeException {@code not_tracked} (409) if the socket is not tracked in the room
     * @since 0.1
     */
    void updatePresence(String room, @Nullable Object state);

    /**
     * Leaves the presence of {@code room} but stays a member. Idempotent. {@link #leave} untracks
     * too.
     *
     * @since 0.1
     */
    void untrack(String room);

    /**
     * Sends to everyone in {@code room}, <em>including this socket</em> if it is a member (the
     * original socket-serve's semantics). The frame's {@code sessionId} is this socket's public id.
     */
    CompletionStage<Void> broadcastToRoom(String room, String event, @Nullable Object data);

    /** Selects the members of {@code rooms} except this socket: {@code socket.to("game").emit(…)}. */
    BroadcastOperator to(String... rooms);

    /** Selects every socket of this namespace except this one. */
    BroadcastOperator broadcast();

    /** This session's key/value data, shared by every instance. */
    SessionData data();

    /**
     * Ends the session: it leaves every room, its stream gets {@code __disconnect} and closes, and
     * the disconnect handler runs once with {@link DisconnectReason#SERVER_DISCONNECT}.
     */
    void disconnect();
}
