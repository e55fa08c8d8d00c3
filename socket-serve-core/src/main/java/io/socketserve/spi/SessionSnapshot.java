package io.socketserve.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What {@link BatchOperations#sessionSnapshots} reads about one live session: enough to describe it on any
 * instance ({@code fetchSockets}).
 *
 * @param session the record (namespace, creation time, handshake attributes…)
 * @param rooms its room keys
 * @param data its session data (JSON text values)
 * @since 0.2
 */
public record SessionSnapshot(SessionRecord session, Set<String> rooms, Map<String, String> data) {

    public SessionSnapshot {
        Objects.requireNonNull(session, "session == null");
        rooms = Set.copyOf(rooms);
        data = Map.copyOf(data);
    }
}
