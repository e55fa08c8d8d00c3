package io.socketserve.spi;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The backend part that keeps presence: which users are in which rooms, with a state each.
 *
 * <h2>What it stores</h2>
 *
 * <p>A session is tracked as one user (the first {@link #presenceEnter} fixes it) in any of its
 * rooms, with a state (JSON text) per room. A user with several sessions in a room is present once;
 * per room the part keeps each present user's state and live session count. A session counts only
 * while it is <em>live</em>: every call that marks it live sets a deadline, the instance holding its
 * stream moves the deadline on ({@link #presenceRefresh}), and once it passes, {@link #presenceDrop}
 * takes the session out of every presence list. The session's tracked rooms are kept (until it
 * ends), so that a session that comes back re-enters them ({@link #presenceRevive}). The part also
 * counts each user's live sessions across rooms: when the count drops to zero the user is scheduled
 * to go offline after a grace period, unless a session of the user becomes live again first
 * ({@link #presenceOfflineDue}).
 *
 * <h2>Atomicity</h2>
 *
 * <p>Every operation that changes what a room's members see ({@code JOINED}, {@code UPDATED},
 * {@code LEFT}) appends the entry the engine encoded for it to the log ({@link LogStore}) in the
 * same atomic step, so presence events are ordered with messages and joins and replayed on resume.
 * Operations check that the session exists ({@link SessionStore}) in that step too. Presence
 * therefore shares its store with the log and the sessions; it does not need the membership part
 * (the engine tracks a session only in rooms it joined, and untracks it when it leaves).
 *
 * <h2>What the engine relies on</h2>
 *
 * <p>The engine encodes every entry before the call, so it must know which rooms an operation will
 * touch. Where that depends on state it read earlier, the backend checks the state is unchanged
 * and otherwise answers {@link PresenceResult.Status#RETRY} (or {@link
 * PresenceResult.Status#LAPSED}), and the engine reads again and retries ({@code Presence}); see
 * {@code docs/architecture.md}, "Backend parts and the engine's retry protocols". {@link
 * #presenceOfflineDue} hands each offline user to exactly one caller, which is how user-offline
 * listeners run once across instances.
 *
 * <p>Test an implementation with {@code PresenceStoreContract} from the core test jar.
 *
 * @since 0.2
 */
public interface PresenceStore {

    /**
     * Tracks the session in {@code room} as {@code user} with {@code state} (JSON text) and marks it
     * live until {@code liveUntilMillis}. If the user was not present in the room, appends {@code
     * joinEntry} (JOINED); if it was (through this or another session) and {@code updateEntry} is not
     * null and the state differs, stores the state and appends {@code updateEntry} (UPDATED); else
     * UNCHANGED. NO_SESSION for an unknown session, USER_MISMATCH when the session is tracked as
     * another user, LAPSED (nothing changed) when the session is tracked in rooms but not live: the
     * caller revives it ({@link #presenceRevive}) and enters again.
     */
    CompletionStage<PresenceResult> presenceEnter(
            String id,
            String room,
            String user,
            String state,
            long liveUntilMillis,
            byte[] joinEntry,
            byte @Nullable [] updateEntry);

    /**
     * Makes a session that is tracked in rooms but not live live again until {@code
     * liveUntilMillis}, re-entering every room it is tracked in: for each room its user was not
     * present in, the entry {@code joinEntries} gives for it is appended (JOINED, with the last
     * position). UNCHANGED if the session is live already (its deadline moves on) or no user was
     * new anywhere; RETRY if the tracked rooms are not exactly the keys of {@code joinEntries};
     * NOT_TRACKED if the session has no presence; NO_SESSION for an unknown session.
     */
    CompletionStage<PresenceResult> presenceRevive(String id, Map<String, byte[]> joinEntries, long liveUntilMillis);

    /**
     * Sets the session's state in a room it is tracked in. While the session is live, also sets the
     * user's state and appends {@code updateEntry} (UPDATED); while it is not, only remembers the
     * state for when it comes back (UNCHANGED). NOT_TRACKED if the session is not tracked there.
     */
    CompletionStage<PresenceResult> presenceUpdate(String id, String room, String state, byte[] updateEntry);

    /**
     * Stops tracking the session in {@code room}. If that was the user's last live session there,
     * the user leaves the room's presence and {@code leaveEntry} is appended (LEFT); else UNCHANGED.
     * NOT_TRACKED if the session was not tracked there.
     */
    CompletionStage<PresenceResult> presenceLeave(String id, String room, byte[] leaveEntry);

    /** The session's presence, or {@code null} if it was never tracked (or has been forgotten). */
    CompletionStage<@Nullable SessionPresence> sessionPresence(String id);

    /**
     * Moves the liveness deadline of those of {@code ids} that are live to {@code liveUntilMillis};
     * completes with those of {@code ids} that have presence, still exist, and are not live (their
     * liveness lapsed: the engine revives them with {@link #presenceRevive}).
     */
    CompletionStage<List<String>> presenceRefresh(Collection<String> ids, long liveUntilMillis);

    /** Up to {@code max} ids of live sessions whose liveness deadline is at or before {@code nowMillis}. */
    CompletionStage<List<String>> presenceLapsed(long nowMillis, int max);

    /**
     * Takes the session out of every room's presence, atomically, if it has ended (the session no
     * longer exists) or its liveness lapsed (deadline at or before {@code nowMillis}); else
     * UNCHANGED. {@code leaveEntries} holds the entry to append for each tracked room (room key to
     * entry); one is appended for each room the user leaves. If the tracked rooms are not exactly the
     * keys of {@code leaveEntries}, nothing changes and the result is RETRY. When the user has no
     * live session left, the user goes offline at {@code nowMillis + offlineGraceMillis} unless a
     * session of the user becomes live before. An ended session's presence is forgotten. Completes
     * with LEFT when the session was taken out, UNCHANGED otherwise.
     */
    CompletionStage<PresenceResult> presenceDrop(
            String id, Map<String, byte[]> leaveEntries, long nowMillis, long offlineGraceMillis);

    /**
     * Up to {@code max} users whose offline grace period ended at or before {@code nowMillis} without
     * a session of theirs becoming live again. Each user is handed to exactly one caller, once per
     * time the user went offline.
     */
    CompletionStage<List<String>> presenceOfflineDue(long nowMillis, int max);

    /** The users present in a room, with their state and live session count. */
    CompletionStage<List<PresenceMember>> presenceMembers(String room);

    /** How many users are present in a room, in O(1). */
    CompletionStage<Long> presenceCount(String room);
}
