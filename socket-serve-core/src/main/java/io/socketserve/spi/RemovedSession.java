package io.socketserve.spi;

import java.util.Map;
import java.util.Set;

/**
 * What {@link SessionStore#removeSession} removed, handed to exactly one caller.
 *
 * @param session the record
 * @param rooms the rooms it was in
 * @param data its data (JSON text values)
 * @param position the position of the appended entry
 */
public record RemovedSession(SessionRecord session, Set<String> rooms, Map<String, String> data, long position) {

    public RemovedSession {
        rooms = Set.copyOf(rooms);
        data = Map.copyOf(data);
    }
}
