package io.socketserve.spi;

import java.util.Set;

/**
 * A session's rooms together with the log position of the last change that produced them.
 *
 * @param exists whether the session exists at all
 */
public record MembershipSnapshot(boolean exists, Set<String> rooms, long version) {

    public MembershipSnapshot {
        rooms = Set.copyOf(rooms);
    }

    /** The snapshot of a session that does not exist. */
    public static MembershipSnapshot missing() {
        return new MembershipSnapshot(false, Set.of(), 0);
    }
}
