package io.socketserve.spi;

import java.util.Objects;
import java.util.Set;

/**
 * A session's rooms together with a log position at which they are exactly these: every membership
 * change of the session at or before {@code at} (per partition) is included, none after it. The
 * position of the last change is the tightest such position; the heads of the log at the time of
 * the read are correct too.
 *
 * @param exists whether the session exists at all
 * @param at the position, one component per partition
 * @param presence whether the session may have presence entries ({@link PresenceStore}); {@code
 *     false} only when the backend knows it had none when it read the rooms. A stream attach
 *     refreshes the liveness of a session's presence only when this is {@code true} (issue 16: one
 *     round trip less per attach of a session that tracks no presence). A backend that does not
 *     know answers {@code true}, as the constructors without this parameter do.
 */
public record MembershipSnapshot(boolean exists, Set<String> rooms, LogPosition at, boolean presence) {

    public MembershipSnapshot {
        rooms = Set.copyOf(rooms);
        Objects.requireNonNull(at, "at == null");
    }

    /** A snapshot of a session that may have presence entries. */
    public MembershipSnapshot(boolean exists, Set<String> rooms, LogPosition at) {
        this(exists, rooms, at, true);
    }

    /** A snapshot of a single-partition log, with its version as a number. */
    public MembershipSnapshot(boolean exists, Set<String> rooms, long version) {
        this(exists, rooms, LogPosition.of(version));
    }

    /**
     * The version in a single-partition log.
     *
     * @throws IllegalStateException if the snapshot belongs to a partitioned log
     */
    public long version() {
        return at.single();
    }

    /** The snapshot of a session that does not exist. */
    public static MembershipSnapshot missing() {
        return new MembershipSnapshot(false, Set.of(), 0);
    }
}
