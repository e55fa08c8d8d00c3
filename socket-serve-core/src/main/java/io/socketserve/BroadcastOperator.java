package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A selection of sockets — rooms to include, rooms and sockets to exclude — and what can be done to
 * it. Immutable: each method returns a new operator.
 *
 * <pre>{@code
 * server.to("game:42").except("spectators").emit("tick", state);
 * socket.to("doc:7").emit("cursorMoved", pos);     // everyone in doc:7 but the sender
 * server.in("lobby").socketsJoin("announcements");
 * }</pre>
 *
 * <p>An emit is one append to the log whatever the number of recipients; every instance then
 * delivers it to its own attached members, encoding the frame once.
 */
public interface BroadcastOperator {

    /**
     * Adds rooms to the selection (union). With no room at all, the selection is every socket. A
     * socket's public id is a room too: {@code to(socketId)} selects that socket.
     */
    BroadcastOperator to(String... rooms);

    /** Same as {@link #to}. */
    default BroadcastOperator in(String... rooms) {
        return to(rooms);
    }

    /** Excludes the members of these rooms (a socket id excludes that socket). */
    BroadcastOperator except(String... rooms);

    /** Sends the event to the selection; completes when committed to the log. */
    CompletionStage<Void> emit(String event, @Nullable Object data);

    /**
     * Sends the event without storing it for replay: a client that is not attached right now (or
     * whose buffer is above its high-water mark) simply misses it. For cursor positions and
     * similar.
     */
    CompletionStage<Void> volatileEmit(String event, @Nullable Object data);

    /**
     * The timeout for {@link #emitWithAck}; default {@link #DEFAULT_ACK_TIMEOUT}.
     *
     * @since 0.2
     */
    BroadcastOperator timeout(Duration timeout);

    /** {@value #DEFAULT_ACK_TIMEOUT_SECONDS} s: the broadcast ack timeout unless {@link #timeout} says otherwise. */
    long DEFAULT_ACK_TIMEOUT_SECONDS = 10;

    /** The default broadcast ack timeout. */
    Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(DEFAULT_ACK_TIMEOUT_SECONDS);

    /**
     * Sends the event to the selection asking every recipient to acknowledge it, on every instance.
     * The recipients are the sockets selected when the call is made (one backend read); sockets that
     * join later may receive the message but are not waited for. Completes with the answers, in
     * arrival order, when every recipient answered (a recipient that disconnects meanwhile is no
     * longer waited for); fails with {@link BroadcastAckTimeoutException}, carrying the answers
     * received so far, when the {@linkplain #timeout timeout} passes first. With no recipient it
     * completes at once with an empty list. Completes on the handler executor.
     *
     * <pre>{@code
     * server.to("voters").timeout(Duration.ofSeconds(5)).emitWithAck("vote?", question)
     *         .thenAccept(answers -> tally(answers));
     * }</pre>
     *
     * @since 0.2
     */
    CompletionStage<List<JsonNode>> emitWithAck(String event, @Nullable Object data);

    /**
     * {@link #emitWithAck(String, Object)} with every answer bound to {@code type}; an answer that
     * does not bind fails the stage with {@code invalid_payload}.
     *
     * @since 0.2
     */
    <T> CompletionStage<List<T>> emitWithAck(String event, @Nullable Object data, Class<T> type);

    /**
     * The selected sockets, on every instance, with their rooms, handshake and data. Bounded by
     * {@link ServerOptions#maxSessions()}.
     *
     * @since 0.2
     */
    CompletionStage<List<RemoteSocket>> fetchSockets();

    /** Public ids of the selected sockets (blocking; see {@link Socket}). */
    Set<String> socketIds();

    /** Public ids of the selected sockets; completes on the handler executor. @since 0.2 */
    CompletionStage<Set<String>> socketIdsAsync();

    /**
     * Makes every selected socket join these rooms (blocking): one backend operation whatever the
     * number of sockets. A socket at its room limit joins what it can and is otherwise left alone.
     */
    void socketsJoin(String... rooms);

    /** {@link #socketsJoin} without blocking. @since 0.2 */
    CompletionStage<Void> socketsJoinAsync(String... rooms);

    /** Makes every selected socket leave these rooms (blocking): one backend operation. */
    void socketsLeave(String... rooms);

    /** {@link #socketsLeave} without blocking. @since 0.2 */
    CompletionStage<Void> socketsLeaveAsync(String... rooms);

    /**
     * Disconnects every selected socket (blocking), reason {@link DisconnectReason#SERVER_DISCONNECT}:
     * one backend operation per {@link ServerOptions#maxSessions()} sockets; each disconnect listener
     * runs once.
     */
    void disconnectSockets();

    /** {@link #disconnectSockets} without blocking. @since 0.2 */
    CompletionStage<Void> disconnectSocketsAsync();
}
