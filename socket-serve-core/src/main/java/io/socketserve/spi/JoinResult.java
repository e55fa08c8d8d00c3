package io.socketserve.spi;

/**
 * Outcome of {@link MembershipStore#join} and {@link MembershipStore#leave}.
 *
 * @param position the position of the appended entry when {@link Status#CHANGED}, else 0
 */
public record JoinResult(Status status, long position) {

    /** What happened. */
    public enum Status {
        /** Membership changed and the entry was appended. */
        CHANGED,
        /** Nothing to do: already a member (join) or not a member (leave). Nothing appended. */
        UNCHANGED,
        /** The session is in the maximum number of rooms already. Nothing appended. */
        LIMIT_REACHED,
        /** No such session. Nothing appended. */
        NO_SESSION
    }

    public static JoinResult changed(long position) {
        return new JoinResult(Status.CHANGED, position);
    }

    public static JoinResult of(Status status) {
        return new JoinResult(status, 0);
    }
}
