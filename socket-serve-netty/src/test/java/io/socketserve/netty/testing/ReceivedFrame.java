package io.socketserve.netty.testing;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * One Server-Sent Events frame (or one polled message) as a {@link TestClient} received it.
 *
 * @param id the frame's SSE {@code id:} (its log position), or {@code null} when it had none or it is
 *     not a number (a position over several partitions: see {@code rawId})
 * @param json the frame's JSON object
 * @param stream which stream of the client delivered it (1 for the first, 0 for polls)
 * @param rawId the frame's SSE {@code id:} as sent, or {@code null} when it had none
 */
public record ReceivedFrame(@Nullable Long id, JsonNode json, int stream, @Nullable String rawId) {

    /** A frame whose id is a number (or absent). */
    public ReceivedFrame(@Nullable Long id, JsonNode json, int stream) {
        this(id, json, stream, id == null ? null : Long.toString(id));
    }

    /** The {@code event} field. */
    public String event() {
        return json.path("event").asText();
    }

    /** The {@code data} field ({@code MissingNode} when absent). */
    public JsonNode data() {
        return json.path("data");
    }

    /** The {@code sessionId} field: the public id of the socket the message came from, or {@code null}. */
    public @Nullable String sessionId() {
        JsonNode n = json.get("sessionId");
        return n == null || n.isNull() ? null : n.asText();
    }

    /** The {@code messageId} field, or {@code null}. */
    public @Nullable String messageId() {
        JsonNode n = json.get("messageId");
        return n == null || n.isNull() ? null : n.asText();
    }

    /** Whether the server asks for an acknowledgement of this frame. */
    public boolean requiresAck() {
        return json.path("requiresAck").asBoolean(false);
    }

    /** The frame's id, failing when it has none. */
    public long position() {
        if (id == null) {
            throw new AssertionError("frame has no id: " + json);
        }
        return id;
    }

    @Override
    public String toString() {
        return (id == null ? "" : "id:" + id + " ") + json;
    }
}
