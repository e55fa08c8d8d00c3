package io.socketserve.spi;

import java.util.Map;
import java.util.Objects;

/**
 * What the store keeps about one session's presence.
 *
 * @param user the user the session is tracked as
 * @param rooms the rooms (engine room keys) the session is tracked in, each with the state (JSON
 *     text) the session last gave there
 * @param live whether the session currently counts as present (its liveness has not lapsed)
 */
public record SessionPresence(String user, Map<String, String> rooms, boolean live) {

    public SessionPresence {
        Objects.requireNonNull(user, "user == null");
        rooms = Map.copyOf(rooms);
    }
}
