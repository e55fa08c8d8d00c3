package io.socketserve.spi;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The batched operations over a {@link Selection}: what {@code server.in(room).socketsJoin(…)},
 * {@code fetchSockets()} and {@code disconnectSockets()} do, as one store operation each.
 *
 * <h2>What it stores</h2>
 *
 * <p>Nothing of its own. These are the session and membership operations of {@link SessionStore}
 * and {@link MembershipStore} applied to every session a selection holds, which is why this part
 * extends both. Every method has a default that composes the single-session operations (one store
 * call per session and room; see each method), so a backend written part by part gets this part for
 * free and overrides it only to make it fast: the backends that ship with socket-serve do each in
 * one step (one {@code EVALSHA} on Redis, whatever the number of sessions).
 *
 * <h2>Atomicity</h2>
 *
 * <p>An override changes every selected session, and appends <em>one</em> entry listing every
 * change ({@link BatchEntries} has the format), in one atomic step with the log; a repeated call is
 * harmless, and {@link #removeSelected} hands each session to exactly one caller, whichever
 * operation (batched or {@link SessionStore#removeSession}) removed it. The defaults are a sequence
 * of single-session operations, each atomic on its own, each appending its own one-change entry of
 * the same format.
 *
 * <h2>What the engine relies on</h2>
 *
 * <p>The rules of {@link Selection} (namespace, rooms, exceptions, the socket id as an implicit
 * room, {@link Selection#max()}), and that the engine decodes the entries of either form alike
 * ({@code Dispatcher}).
 *
 * <p>Test an implementation with {@code BatchOperationsContract} from the core test jar.
 *
 * @since 0.2
 */
public interface BatchOperations extends SessionStore, MembershipStore {

    /**
     * The ids of the sessions the selection holds (see {@link Selection} for the rules), at most
     * {@link Selection#max()} of them, in no particular order.
     *
     * <p>The default lists candidates with {@link #roomMembers} (or, for every session of the
     * namespace, {@link #expiredSessions} up to the end of time) and checks each with {@link
     * #findSession}.
     *
     * @since 0.2
     */
    default CompletionStage<List<String>> selectSessions(Selection selection) {
        return BatchDefaults.select(this, selection).thenApply(BatchDefaults.Selected::ids);
    }

    /**
     * For each of {@code ids} that is a live session, its record, rooms and data, read in one round
     * trip; unknown ids are left out. The order follows {@code ids}; a repeated id appears once.
     *
     * <p>The default reads each with {@link #findSession}, {@link #membership} and {@link #getAllData}
     * (not atomically together).
     *
     * @since 0.2
     */
    default CompletionStage<List<SessionSnapshot>> sessionSnapshots(Collection<String> ids) {
        return BatchDefaults.snapshots(this, ids);
    }

    /**
     * Adds every selected session to each of {@code rooms}, in one atomic step that also appends
     * <em>one</em> entry listing every change: {@code entryPrefix} followed by the JSON body {@link
     * BatchEntries} describes. For each session the rooms are taken in order as {@link #join} would:
     * a room it is in already is left alone, and once it is in {@code maxRooms} rooms it joins no
     * more and is reported in {@link MembershipBatchResult#skippedAtLimit()}. Each changed session's
     * membership version ({@link #membership}) becomes the entry's position. Nothing is appended when
     * nothing changed, so a repeated call is harmless.
     *
     * <p>The default calls {@link #join} for each session and room, each appending its own one-change
     * entry of the same format.
     *
     * @param rooms room keys to join, in order
     * @param maxRooms the most rooms a session may be in (rooms per socket)
     * @param entryPrefix the engine's header for a membership batch entry
     * @since 0.2
     */
    default CompletionStage<MembershipBatchResult> joinSelected(
            Selection selection, List<String> rooms, int maxRooms, byte[] entryPrefix) {
        return BatchDefaults.change(this, selection, rooms, maxRooms, true, entryPrefix);
    }

    /**
     * Removes every selected session from each of {@code rooms} it is a member of, in one atomic step
     * that also appends one entry listing every change (as {@link #joinSelected} does). Sessions that
     * left a room keep their presence there: the caller untracks the pairs in {@link
     * MembershipBatchResult#changes()} (presence leave entries are the engine's to encode).
     *
     * <p>The default calls {@link #leave} for each session and room.
     *
     * @since 0.2
     */
    default CompletionStage<MembershipBatchResult> leaveSelected(
            Selection selection, List<String> rooms, byte[] entryPrefix) {
        return BatchDefaults.change(this, selection, rooms, Integer.MAX_VALUE, false, entryPrefix);
    }

    /**
     * Removes every selected session as {@link #removeSession} does (record, data, memberships in
     * both directions), in one atomic step that also appends one entry naming them all with {@code
     * reason}: {@code entryPrefix} followed by the JSON body {@link BatchEntries} describes. Each
     * session is reported removed to exactly one caller, whichever operation removed it, so the
     * engine fires each disconnect handler once. Nothing is appended when nothing was removed.
     *
     * <p>The default calls {@link #removeSession} for each session, each appending its own
     * one-session entry of the same format.
     *
     * @param entryPrefix the engine's header for a removal batch entry
     * @param reason the disconnect reason written into the entry
     * @since 0.2
     */
    default CompletionStage<RemovalBatchResult> removeSelected(Selection selection, byte[] entryPrefix, String reason) {
        return BatchDefaults.remove(this, selection, entryPrefix, reason);
    }
}
