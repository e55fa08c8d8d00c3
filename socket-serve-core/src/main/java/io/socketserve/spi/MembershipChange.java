package io.socketserve.spi;

import java.util.Objects;

/**
 * One membership change made by {@link BatchOperations#joinSelected} or {@link BatchOperations#leaveSelected}.
 *
 * @param session the public id
 * @param room the room key
 * @param joined {@code true}: the session joined the room; {@code false}: it left it
 * @since 0.2
 */
public record MembershipChange(String session, String room, boolean joined) {

    public MembershipChange {
        Objects.requireNonNull(session, "session == null");
        Objects.requireNonNull(room, "room == null");
    }
}
