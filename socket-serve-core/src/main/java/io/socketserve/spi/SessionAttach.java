package io.socketserve.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a stream attach needs of a session, read together ({@link Backend#findSessionWithMembership}).
 *
 * @param record the session's record; {@code null} when there is no such session
 * @param membership its rooms with the position at which they are exact; {@link
 *     MembershipSnapshot#missing()} when there is no such session
 */
public record SessionAttach(@Nullable SessionRecord record, MembershipSnapshot membership) {

    public SessionAttach {
        Objects.requireNonNull(membership, "membership == null");
    }

    /** There is no such session. */
    public static SessionAttach missing() {
        return new SessionAttach(null, MembershipSnapshot.missing());
    }
}
