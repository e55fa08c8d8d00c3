package io.socketserve.spi;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The backend part that makes client → server events idempotent: each session's events carry a
 * sequence number ({@code seq}, see {@code docs/protocol.md}), and the ledger remembers, per
 * session, which ones ran and what they answered, so that a retry — on any instance — gets the first
 * answer instead of a second run.
 *
 * <h2>What it stores</h2>
 *
 * <p>Per session: the highest sequence number claimed, and for each of the last {@code window}
 * sequence numbers either a lease (an attempt is running until then) or the answer. Beside them, the
 * positions of the log entries an event appended ({@link #appendOnce}), so that a second run of an
 * event — after its first attempt's outcome was unknown — appends nothing twice. Everything goes with
 * the session: {@link SessionStore#removeSession} and the batched removals delete it, and it expires
 * with the session's record.
 *
 * <h2>Atomicity</h2>
 *
 * <p>{@link #appendOnce} checks the origin and appends in one step with the {@link LogStore}: the
 * ledger lives in the same store as the log (the same lock, the same Redis script).
 *
 * <p>Test an implementation with {@code EventLedgerContract} from the core test jar.
 *
 * @since 0.4
 */
public interface EventLedger {

    /**
     * Claims event {@code seq} of a session.
     *
     * <ul>
     *   <li>{@code seq} at or below the highest claimed minus {@code window}: {@link
     *       EventClaim.State#STALE};
     *   <li>answered before: {@link EventClaim.State#ANSWERED} with the answer;
     *   <li>leased by an attempt whose lease ends after {@code nowMillis}: {@link
     *       EventClaim.State#RUNNING};
     *   <li>otherwise (new, released, or its lease ran out): leased until {@code nowMillis +
     *       leaseMillis}, {@link EventClaim.State#CLAIMED}. Claiming a number above the highest
     *       forgets every number that falls out of the window.
     * </ul>
     *
     * @param seq a sequence number, at least 1
     * @param attempt names this attempt (unique, e.g. random); only it can {@link #settleEvent settle}
     *     the claim
     * @param window how many of the newest sequence numbers are remembered, at least 1
     */
    CompletionStage<EventClaim> claimEvent(
            String sessionId, long seq, String attempt, int window, long nowMillis, long leaseMillis);

    /**
     * Ends {@code attempt}'s claim of {@code seq}: with {@code answer}, every later claim gets it; with
     * {@code null}, the event is released and the next claim runs it again (its earlier appends made
     * with {@link #appendOnce} stay, and are not repeated). Ignored unless {@code attempt} holds the
     * claim: another attempt took it over after the lease ran out, or it was answered, or the number
     * fell out of the window, or the session is gone. A caller whose claim failed without an answer
     * (a timeout: it may still be committed) may settle with {@code null} to release it at once.
     */
    CompletionStage<Void> settleEvent(String sessionId, long seq, String attempt, byte @Nullable [] answer);

    /**
     * Appends {@code entry} to the log unless an entry with the same {@code origin} was appended for
     * this session before (and its sequence number is still in the window); completes with the
     * position of the entry, the earlier one for a repeat.
     *
     * @param seq the event that appends
     * @param n which of the event's appends this is (1, 2, …): a second run of the event makes the
     *     same appends in the same order
     */
    CompletionStage<Long> appendOnce(String sessionId, long seq, int n, byte[] entry);

    /**
     * {@link #appendOnce(String, long, int, byte[])} into one partition of a partitioned log (the
     * position is that partition's). The default (a single-partition log) calls the method without
     * a partition for partition 0. Into a partition other than the session's, a store that cannot
     * read the ledger there may keep its own record of the event's appends, and then also
     * deduplicates the appends of an event the ledger no longer holds (such an event is {@code
     * STALE} to {@link #claimEvent} and does not run again, so the engine never tells the two apart).
     *
     * @throws IllegalArgumentException for another partition of a single-partition log
     * @since 0.7
     */
    default CompletionStage<Long> appendOnce(int partition, String sessionId, long seq, int n, byte[] entry) {
        if (partition != 0) {
            throw new IllegalArgumentException("no partition " + partition + " (the log has 1)");
        }
        return appendOnce(sessionId, seq, n, entry);
    }
}
