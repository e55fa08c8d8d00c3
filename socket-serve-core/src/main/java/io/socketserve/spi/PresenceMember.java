package io.socketserve.spi;

import java.util.Objects;

/**
 * One user present in a room.
 *
 * @param user the user id
 * @param state the user's state in that room (JSON text)
 * @param sessions how many live sessions of that user are tracked in the room (at least 1)
 */
public record PresenceMember(String user, String state, int sessions) {

    public PresenceMember {
        Objects.requireNonNull(user, "user == null");
        Objects.requireNonNull(state, "state == null");
    }
}
