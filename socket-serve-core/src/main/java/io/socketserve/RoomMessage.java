package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A message that was sent to a room, as {@link Namespace#history} reads it back from the log.
 *
 * <pre>{@code
 * for (RoomMessage m : server.history("channel:general", 50, "newMessage").toCompletableFuture().join()) {
 *     ChatLine line = server.mapper().treeToValue(m.data(), ChatLine.class);
 * }
 * }</pre>
 *
 * @param position the message's position in the log: the SSE {@code id:} its recipients saw
 * @param event the event name
 * @param data the payload as it went out on the wire (JSON null when there was none); bind it with
 *     your Jackson mapper (binary values arrive as the protocol's binary placeholders; see {@link
 *     Binary})
 * @param timestamp server time of the emit, in milliseconds since the epoch
 * @param sessionId public id of the socket the message was sent through ({@code socket.to(…)}, {@code
 *     socket.broadcastToRoom(…)}), {@code null} for an emit of the server
 * @since 0.1
 */
public record RoomMessage(long position, String event, JsonNode data, long timestamp, @Nullable String sessionId) {

    public RoomMessage {
        Objects.requireNonNull(event, "event == null");
        Objects.requireNonNull(data, "data == null");
    }
}
