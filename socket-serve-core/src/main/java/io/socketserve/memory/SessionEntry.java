package io.socketserve.memory;

import io.socketserve.spi.SessionRecord;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What {@link InMemoryBackend} keeps per session, guarded by its one lock: the record ({@link
 * InMemorySessions}, which keeps the expiry in its {@link DeadlineIndex}), the session's side of its memberships and their version ({@link
 * InMemoryMembership}), and its data. One object, so that a removal takes all of it at once.
 */
final class SessionEntry {
    SessionRecord record;
    long membershipVersion;
    final Set<String> rooms = new LinkedHashSet<>();
    final Map<String, String> data = new HashMap<>();
    /** The session's event ledger ({@link InMemoryEvents}), created by its first claim. */
    InMemoryEvents.@org.jspecify.annotations.Nullable Ledger events;

    SessionEntry(SessionRecord record) {
        this.record = record;
    }

    boolean inAny(Iterable<String> roomKeys) {
        for (String room : roomKeys) {
            if (rooms.contains(room)) {
                return true;
            }
        }
        return false;
    }
}
