package io.socketserve.spi;

import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The backend part that keeps room membership, in both directions: session to rooms and room to
 * sessions.
 *
 * <h2>What it stores</h2>
 *
 * <p>For each session, the room keys it is in and the <em>membership version</em>: the log position
 * of the last change to them (its creation position until the first). For each room, its members,
 * with a count read in O(1). Room keys are engine-level keys that already include the namespace;
 * take them literally (no pattern characters). A room with no members does not exist.
 *
 * <h2>Atomicity</h2>
 *
 * <p>{@link #join} and {@link #leave} check the session ({@link SessionStore}), change both
 * directions, move the version and append their entry to the log ({@link LogStore}) as one atomic
 * step, so that every instance reading the log sees membership changes and messages in one order,
 * and {@link #membership} reads rooms and version together. {@link SessionStore#removeSession}
 * deletes a session's memberships in its own atomic step. Membership therefore shares its store with
 * the sessions and the log.
 *
 * <h2>What the engine relies on</h2>
 *
 * <ul>
 *   <li>A {@code join} followed by a broadcast from the same thread is appended in that order. A
 *       store with several partitions may take a join in two steps (the session's partition, then
 *       the room's); it keeps the order for a broadcast issued once the join has completed, which
 *       is what the engine does ({@code socket.join} returns after the join; {@code joinAsync}
 *       completes after it).
 *   <li>The version says at which log position the rooms read with it were true: an attaching
 *       stream or poll rolls them back over the session's own membership entries to its resume
 *       position, and replays from there ({@code Dispatcher}).
 *   <li>{@link #roomMembers} and {@link #roomSize} answer {@code Namespace.roomMembers} and {@code
 *       roomSize} for every instance; the default {@link BatchOperations} list their candidates
 *       with {@link #roomMembers}.
 * </ul>
 *
 * <p>The batched operations over a {@link Selection} are in {@link BatchOperations}, which builds on
 * this part and on {@link SessionStore}. Test an implementation with {@code MembershipStoreContract}
 * from the core test jar.
 *
 * @since 0.2
 */
public interface MembershipStore {

    /**
     * Adds the session to a room unless it already is a member or is in {@code maxRooms} rooms, and
     * in the same atomic step appends {@code entry}.
     */
    CompletionStage<JoinResult> join(String id, String room, int maxRooms, byte[] entry);

    /** Removes the session from a room if it is a member, appending {@code entry} atomically. */
    CompletionStage<JoinResult> leave(String id, String room, byte[] entry);

    /**
     * The session's rooms and the position of the last membership change (its creation position if
     * none), read atomically together.
     */
    CompletionStage<MembershipSnapshot> membership(String id);

    /** Public ids of the room's members. */
    CompletionStage<Set<String>> roomMembers(String room);

    /** Number of members of a room, in O(1). */
    CompletionStage<Long> roomSize(String room);
}
