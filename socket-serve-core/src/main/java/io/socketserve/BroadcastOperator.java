package io.socketserve;

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

    /** Adds rooms to the selection (union). With no room at all, the selection is every socket. */
    BroadcastOperator to(String... rooms);

    /** Same as {@link #to}. */
    default BroadcastOperator in(String... rooms) {
        return to(rooms);
    }

    /** Excludes the members of these rooms. */
    BroadcastOperator except(String... rooms);

    /** Sends the event to the selection; completes when committed to the log. */
    CompletionStage<Void> emit(String event, @Nullable Object data);

    /**
     * Sends the event without storing it for replay: a client that is not attached right now (or
     * whose buffer is above its high-water mark) simply misses it. For cursor positions and
     * similar.
     */
    CompletionStage<Void> volatileEmit(String event, @Nullable Object data);

    /** Public ids of the selected sockets (blocking; see {@link Socket}). */
    Set<String> socketIds();

    /** Makes every selected socket join these rooms (blocking). */
    void socketsJoin(String... rooms);

    /** Makes every selected socket leave these rooms (blocking). */
    void socketsLeave(String... rooms);

    /** Disconnects every selected socket (blocking), reason {@link DisconnectReason#SERVER_DISCONNECT}. */
    void disconnectSockets();
}
