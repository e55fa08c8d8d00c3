package io.socketserve.spi;

import java.util.List;

/**
 * Outcome of {@link BatchOperations#removeSelected}.
 *
 * @param removed the sessions this call removed, each handed to exactly one caller across every
 *     instance (a session another caller removed first is not here)
 * @param position the position of the appended entry, 0 when nothing was removed; a backend that
 *     appends one entry per session (the default implementation) gives the last
 * @param truncated more sessions matched the selection than its {@link Selection#max()}: call again
 *     to remove the rest
 * @since 0.2
 */
public record RemovalBatchResult(List<RemovedSession> removed, long position, boolean truncated) {

    public RemovalBatchResult {
        removed = List.copyOf(removed);
    }
}
