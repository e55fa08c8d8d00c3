package io.socketserve.spi;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Where the engine keeps everything that must survive the loss of one instance: sessions, per-session
 * data, room membership in both directions, the ordered message log, and application key/values.
 *
 * <h2>The log</h2>
 *
 * <p>The log is a single totally ordered sequence of opaque entries (the engine encodes them). Each
 * append is given a <em>position</em>: a {@code long} greater than every earlier position (positions
 * start at 1; 0 means "before everything"). Positions need not be contiguous. The log is trimmed by
 * count ({@link #append} implementations keep at least the last {@code maxLogEntries} given to
 * {@link #start}); reads report the oldest position still kept so that the engine can tell a client
 * it missed messages instead of skipping them silently.
 *
 * <h2>Atomicity</h2>
 *
 * <p>{@link #join}, {@link #leave} and {@link #removeSession} change membership <em>and</em> append
 * their log entry as one atomic step, so that every instance reading the log sees membership changes
 * and messages in one order. {@link #removeSession} succeeds for exactly one caller per session,
 * which is how the engine fires a disconnect handler exactly once across instances. The batched
 * operations ({@link #joinSelected}, {@link #leaveSelected}, {@link #removeSelected}, since 0.2)
 * do the same for every session a {@link Selection} holds, in one step with one entry, when the
 * backend overrides them; their default implementations are a sequence of the single-session
 * operations, each atomic on its own.
 *
 * <h2>Threading and failures</h2>
 *
 * <p>Every method may be called from any thread and must not block the caller beyond enqueueing the
 * operation. Calls made from one thread must take effect in the order they were made (the engine
 * relies on a {@code join} followed by a broadcast from the same handler being appended in that
 * order). A backend that cannot reach its store completes the stage exceptionally with {@link
 * BackendUnavailableException}; the engine turns that into {@code 503 unavailable}.
 *
 * <h2>Keys</h2>
 *
 * <p>Session ids are public ids (see {@code docs/protocol.md}); rooms are engine-level room keys that
 * already include the namespace. Neither is ever a credential.
 */
public interface Backend extends AutoCloseable {

    /**
     * Connects and checks the store. Called once by {@link io.socketserve.SocketServer} before it
     * serves anything; a failure here makes server start-up fail fast.
     *
     * @param maxLogEntries how many log entries the log must keep at least (the recovery window by
     *     count)
     */
    CompletionStage<Void> start(int maxLogEntries);

    // ---------------------------------------------------------------------------------------- log

    /** Appends one entry; completes with its position. */
    CompletionStage<Long> append(byte[] entry);

    /**
     * Reads up to {@code max} entries with positions greater than {@code afterPosition}, in order.
     */
    CompletionStage<LogSlice> read(long afterPosition, int max);

    /** The position of the newest entry (0 if the log is empty). */
    CompletionStage<Long> head();

    /**
     * Reads backwards: the newest entries with positions less than {@code beforePosition}, at most
     * {@code max} of them, returned in log order (oldest first), with the oldest position the log
     * still keeps and the head, as {@link #read} reports them. To walk the log from the head towards
     * its start, pass {@code head + 1}, then each time the first position of the previous answer; the
     * start is reached when an answer holds fewer than {@code max} records or begins at {@link
     * LogSlice#oldestPosition()}. The engine uses it for room history ({@code
     * Namespace#history}), and bounds how far it walks.
     *
     * <p>The default walks the log <em>forwards</em> from its oldest entry with {@link #read}, in
     * chunks, keeping the last {@code max} records: correct for any backend, but it reads the whole
     * retained log (up to {@code maxLogEntries}) on every call. A backend that can read backwards in
     * one step (the in-memory ring, a Redis Stream with {@code XREVRANGE … COUNT}) overrides it.
     *
     * @throws IllegalArgumentException if {@code max < 1}
     * @since 0.1
     */
    default CompletionStage<LogSlice> readBefore(long beforePosition, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        CompletableFuture<LogSlice> result = new CompletableFuture<>();
        readForward(this, 0, beforePosition, max, new ArrayDeque<>(Math.min(max, 1024)), -1, result);
        return result;
    }

    /** One chunk of the default {@link #readBefore}: reads after {@code after}, keeps the last {@code max}. */
    private static void readForward(
            Backend backend,
            long after,
            long before,
            int max,
            ArrayDeque<LogRecord> last,
            long oldest,
            CompletableFuture<LogSlice> result) {
        int chunk = 1024;
        backend.read(after, chunk).whenComplete((slice, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
                return;
            }
            long first = oldest < 0 ? slice.oldestPosition() : oldest;
            List<LogRecord> records = slice.records();
            for (LogRecord r : records) {
                if (r.position() >= before) {
                    result.complete(new LogSlice(List.copyOf(last), first, slice.head()));
                    return;
                }
                if (last.size() == max) {
                    last.removeFirst();
                }
                last.addLast(r);
            }
            if (records.isEmpty() || records.get(records.size() - 1).position() >= slice.head()) {
                result.complete(new LogSlice(List.copyOf(last), first, slice.head()));
                return;
            }
            readForward(backend, records.get(records.size() - 1).position(), before, max, last, first, result);
        });
    }

    /**
     * Streams every entry with a position greater than {@code afterPosition}, and every later append,
     * to {@code listener}, in log order, serially (never two calls at once). Keeps trying while the
     * store is unreachable and resumes from the last delivered position when it is back.
     */
    LogSubscription subscribe(long afterPosition, LogListener listener);

    // ----------------------------------------------------------------------------------- sessions

    /**
     * Stores a new session that expires at {@code expiresAtMillis} unless touched, and completes with
     * its creation position: the current head of the log. Nothing at or before that position is ever
     * delivered to the session.
     */
    CompletionStage<Long> createSession(SessionRecord session, long expiresAtMillis);

    /** The session with that public id, or {@code null}. */
    CompletionStage<@Nullable SessionRecord> findSession(String id);

    /** Moves the expiry of existing sessions to {@code expiresAtMillis}; unknown ids are ignored. */
    CompletionStage<Void> touchSessions(Collection<String> ids, long expiresAtMillis);

    /** Up to {@code max} ids of sessions whose expiry is at or before {@code nowMillis}. */
    CompletionStage<List<String>> expiredSessions(long nowMillis, int max);

    /** Records the position up to which a polling session has been served. */
    CompletionStage<Void> setCursor(String id, long position);

    /**
     * Atomically deletes the session, its data and its memberships, and appends {@code entry}.
     * Completes with what was removed for exactly one caller, and with {@code null} for every other
     * caller and for unknown ids.
     */
    CompletionStage<@Nullable RemovedSession> removeSession(String id, byte[] entry);

    /** How many sessions exist. */
    CompletionStage<Long> sessionCount();

    // --------------------------------------------------------------------------------- membership

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

    // ------------------------------------------------------------------------------ session data

    /** One value of the session's data (JSON text), or {@code null}. */
    CompletionStage<@Nullable String> getData(String id, String key);

    /** All of the session's data (JSON text values). */
    CompletionStage<Map<String, String>> getAllData(String id);

    /**
     * Sets ({@code value != null}) or removes one key. Completes with {@code false} if the session
     * does not exist.
     */
    CompletionStage<Boolean> putData(String id, String key, @Nullable String value);

    /**
     * Sets the key to {@code update} (removes it when {@code null}) only if its current value equals
     * {@code expected} ({@code null}: absent). Completes with whether it was set.
     */
    CompletionStage<Boolean> compareAndSetData(
            String id, String key, @Nullable String expected, @Nullable String update);

    // ---------------------------------------------------------------------- application key/value

    /** A value of the application's shared store, or {@code null}. */
    CompletionStage<@Nullable String> kvGet(String key);

    /**
     * Sets the key to {@code update} (deletes when {@code null}) only if its current value equals
     * {@code expected} ({@code null}: absent). {@code ttlMillis > 0} sets an expiry, 0 none.
     */
    CompletionStage<Boolean> kvCompareAndSet(
            String key, @Nullable String expected, @Nullable String update, long ttlMillis);

    /** Sets or deletes a key unconditionally. */
    CompletionStage<Void> kvPut(String key, @Nullable String value, long ttlMillis);

    // ----------------------------------------------------------------------------------- volatile

    /**
     * Hands a volatile entry to every subscriber of every instance on this store ({@link
     * LogListener#onVolatile}), including this one. Volatile entries are not appended to the log, get
     * no position and are never read back: a subscriber that is not connected when one is published
     * never sees it. Completes when the store accepted it.
     */
    CompletionStage<Void> publishVolatile(byte[] entry);

    // ----------------------------------------------------------------------------------- presence
    //
    // Presence records which users are in which rooms. A session is tracked as one user (the first
    // presenceEnter fixes it) in any of its rooms, with a state per room. A user with several
    // sessions in a room is present once. A session counts only while it is live: every call that
    // marks it live sets a deadline, the instance holding its stream moves the deadline on
    // (presenceRefresh), and once it passes, presenceDrop takes the session out of every presence
    // list. The session's tracked rooms are kept (until it ends), so that a session that comes back
    // re-enters them. The store also counts each user's live sessions across rooms: when the count
    // drops to zero the user is scheduled to go offline after a grace period, unless a session of
    // the user becomes live again first (presenceOfflineDue).

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

    // ------------------------------------------------------------------------------ rate limiting

    /**
     * Takes one token from the bucket {@code key} (capacity {@code burst}, refilled at {@code
     * ratePerSecond}), shared by every instance using this store. Completes with 0 when a token was
     * taken, else with the milliseconds until one will be available. Buckets left alone for a while
     * are forgotten (bounded memory).
     *
     * <p>The default completes exceptionally with {@link UnsupportedOperationException}; the engine
     * then limits per instance instead.
     *
     * @since 0.1
     */
    default CompletionStage<Long> tryAcquire(String key, double ratePerSecond, int burst, long nowMillis) {
        return java.util.concurrent.CompletableFuture.failedFuture(
                new UnsupportedOperationException("no shared rate limiting"));
    }

    // ------------------------------------------------------------------------- batched operations
    //
    // The operator calls of the API (server.in(room).socketsJoin(...), fetchSockets(),
    // disconnectSockets()) act on a Selection. Each of these is one store operation in the backends
    // that ship with socket-serve (one EVALSHA on Redis, whatever the number of sessions); the default
    // implementations compose the single-session operations above (one store call per session and
    // room), so that a backend written before them keeps working, only slower.

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

    /**
     * Whether the sessions this backend holds outlive the instance that closes it: {@code true} for
     * a store other instances share (Redis), {@code false} for one that lives in the instance's own
     * memory. When {@code false}, a server that shuts down ends its sessions itself (disconnect
     * listeners with {@link io.socketserve.DisconnectReason#SERVER_SHUTTING_DOWN}, {@code
     * __disconnect} to attached clients) rather than leaving them to vanish with the process.
     *
     * @since 0.2
     */
    default boolean sessionsOutliveInstance() {
        return true;
    }

    /** Releases connections and threads. Idempotent. */
    @Override
    void close();
}
