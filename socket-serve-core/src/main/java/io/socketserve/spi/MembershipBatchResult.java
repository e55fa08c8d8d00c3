package io.socketserve.spi;

import java.util.List;

/**
 * Outcome of {@link BatchOperations#joinSelected} and {@link BatchOperations#leaveSelected}.
 *
 * @param changes every membership that changed, in the order the entry lists them (a session that
 *     already was a member, or was not, appears nowhere)
 * @param skippedAtLimit sessions that could not join at least one of the rooms because they were in
 *     the maximum number of rooms ({@link BatchOperations#joinSelected} only; they joined the rooms that came
 *     before in the list while they had room for them)
 * @param position the position of the appended entry, 0 when nothing changed (nothing appended); a
 *     backend that appends one entry per change (the default implementation) gives the last
 * @param truncated more sessions matched the selection than its {@link Selection#max()}: only that
 *     many were acted on
 * @since 0.2
 */
public record MembershipBatchResult(
        List<MembershipChange> changes, List<String> skippedAtLimit, long position, boolean truncated) {

    public MembershipBatchResult {
        changes = List.copyOf(changes);
        skippedAtLimit = List.copyOf(skippedAtLimit);
    }
}
