package io.socketserve.memory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Room to members: the room side of the memberships of {@link InMemoryBackend}, kept in step with
 * each {@link SessionEntry#rooms} under the backend's one lock (every method expects the caller to
 * hold it). Shared by the membership part, which changes it, and the sessions part, whose removals
 * take a session out of its rooms. A room with no members is removed.
 */
final class RoomIndex {
    private final Map<String, Set<String>> rooms = new HashMap<>();

    void add(String room, String id) {
        rooms.computeIfAbsent(room, r -> new HashSet<>()).add(id);
    }

    void remove(String room, String id) {
        Set<String> members = rooms.get(room);
        if (members != null && members.remove(id) && members.isEmpty()) {
            rooms.remove(room);
        }
    }

    /** The live set of members (empty if none); copy it before it leaves the lock. */
    Set<String> members(String room) {
        return rooms.getOrDefault(room, Set.of());
    }
}
