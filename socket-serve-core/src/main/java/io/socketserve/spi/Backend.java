package io.socketserve.spi;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * which is how the engine fires a disconnect handler exactly once across instances.
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

    /** Releases connections and threads. Idempotent. */
    @Override
    void close();
}
