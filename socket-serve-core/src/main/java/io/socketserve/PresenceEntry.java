package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One user present in a room: who, with what state, through how many of its sessions.
 *
 * <pre>{@code
 * for (PresenceEntry p : server.presence("lobby")) {
 *     System.out.println(p.userId() + " is " + p.state().path("status").asText());
 * }
 * }</pre>
 *
 * @param userId the id the user's sessions were tracked as ({@link Socket#track})
 * @param state the user's state in the room, as the last {@link Socket#track} or {@link
 *     Socket#updatePresence} of any of its sessions left it ({@code null} becomes JSON null)
 * @param sessions how many live sessions of the user are tracked in the room (at least 1)
 * @since 0.1
 */
public record PresenceEntry(String userId, JsonNode state, int sessions) {

    public PresenceEntry {
        Objects.requireNonNull(userId, "userId == null");
        Objects.requireNonNull(state, "state == null");
    }
}
