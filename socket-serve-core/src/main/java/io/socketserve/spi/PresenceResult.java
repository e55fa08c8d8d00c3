package io.socketserve.spi;

/**
 * Outcome of the operations of {@link PresenceStore}.
 *
 * @param status what happened
 * @param position the position of the (last) appended entry when one was appended, else 0
 */
public record PresenceResult(Status status, long position) {

    /** What happened. */
    public enum Status {
        /** The user was not present in the room and now is; the join entry was appended. */
        JOINED,
        /** The user's state changed; the update entry was appended. */
        UPDATED,
        /** The session was recorded, but nothing visible changed (no entry appended). */
        UNCHANGED,
        /** The user's last session left the room; the leave entry was appended. */
        LEFT,
        /** The session is not tracked in that room. Nothing changed. */
        NOT_TRACKED,
        /** The session is tracked as another user. Nothing changed. */
        USER_MISMATCH,
        /**
         * The session's liveness lapsed while it is tracked in rooms: revive it first ({@link
         * PresenceStore#presenceRevive}). Nothing changed.
         */
        LAPSED,
        /** The session's tracked rooms differ from the leave entries given: read again and retry. */
        RETRY,
        /** No such session. Nothing changed. */
        NO_SESSION
    }

    /** A result with that status and the position of the entry it appended. */
    public static PresenceResult appended(Status status, long position) {
        return new PresenceResult(status, position);
    }

    /** A result with that status and no entry. */
    public static PresenceResult of(Status status) {
        return new PresenceResult(status, 0);
    }
}
