package io.socketserve.spi;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The backend part that keeps sessions: their records, their expiry, and each session's own data.
 *
 * <h2>What it stores</h2>
 *
 * <p>Per session, under its public id: the {@link SessionRecord} (namespace, secret hash,
 * handshake attributes, creation position, poll cursor), an expiry time, and a small map of session
 * data (JSON text values, {@code socket.data}). Session data is here rather than in {@link
 * KeyValueStore} because it lives and dies with the session: it is keyed by the session, written
 * only while the session exists, and handed back, deleted, by {@link #removeSession}. A backend
 * also needs some index of its sessions by expiry ({@link #expiredSessions}) and a count ({@link
 * #sessionCount}).
 *
 * <h2>Atomicity</h2>
 *
 * <ul>
 *   <li>{@link #createSession} reads the log's head in the same step as it stores the session: the
 *       head is the session's creation position, and nothing at or before it is ever delivered to
 *       the session.
 *   <li>{@link #removeSession} deletes the session, its data and its memberships in both directions
 *       ({@link MembershipStore}), and appends its entry to the log ({@link LogStore}), as one atomic
 *       step; it succeeds for exactly one caller per session, across every instance.
 *   <li>{@link #putData} and {@link #compareAndSetData} check that the session exists in the same
 *       step as they write, so that no data outlives its session; {@link #compareAndSetData} is a
 *       true compare-and-set.
 * </ul>
 *
 * <p>So this part shares its store with the log and the membership part: in a backend built part by
 * part, the three are separate classes over one store (one lock, one Redis), not three stores.
 *
 * <h2>What the engine relies on</h2>
 *
 * <ul>
 *   <li>{@link #removeSession}'s single winner is how the engine fires each disconnect handler
 *       exactly once, whichever instance noticed first ({@code Sessions}).
 *   <li>{@link #touchSessions} and {@link #expiredSessions} are the liveness protocol: the instance
 *       holding a session's stream keeps moving its expiry; any instance sweeps the expired ones and
 *       ends them with {@link #removeSession} ({@code Liveness}).
 *   <li>{@link #setCursor} and {@link SessionRecord#cursor()} let a long-polling client that names no
 *       position continue where its last poll ended, on any instance.
 * </ul>
 *
 * <p>Test an implementation with {@code SessionStoreContract} from the core test jar.
 *
 * @since 0.2
 */
public interface SessionStore {

    /**
     * Stores a new session that expires at {@code expiresAtMillis} unless touched, and completes with
     * its creation position: the current head of the log. Nothing at or before that position is ever
     * delivered to the session.
     */
    CompletionStage<Long> createSession(SessionRecord session, long expiresAtMillis);

    /**
     * As {@link #createSession}, but only while fewer than {@code maxSessions} sessions exist:
     * completes with the creation position, or with {@code -1} (and stores nothing) when the count is
     * reached. The default counts ({@link #sessionCount}), then creates: two steps, so concurrent
     * callers may overshoot together (the engine then keeps a place for each connect in flight on
     * the instance, see {@link #admitsAtomically}); a
     * backend that does both in one step (one round trip, issue 16) overrides it, and says so with
     * {@link #admitsAtomically}.
     *
     * @since 0.5
     */
    default CompletionStage<Long> createSessionIfRoom(SessionRecord session, long expiresAtMillis, long maxSessions) {
        return sessionCount()
                .thenCompose(count -> count >= maxSessions
                        ? java.util.concurrent.CompletableFuture.completedFuture(-1L)
                        : createSession(session, expiresAtMillis));
    }

    /**
     * Whether {@link #createSessionIfRoomAt} counts and creates in one atomic step, so that
     * concurrent callers (on this instance or any other) never overshoot {@code maxSessions}
     * together. When it does (in memory, Redis with one partition), the engine sends every connect's
     * creation with the whole limit as soon as it arrives. When it does not (the default, whose count
     * and creation are two steps), connects on one instance still run concurrently, each with the
     * limit minus the connects in flight (they may not be in its count yet), and one refused while
     * others were in flight is tried again alone: never past the limit on one instance, and no
     * waiting for each other far from it (issue 16).
     *
     * @since 0.7
     */
    default boolean admitsAtomically() {
        return false;
    }

    /**
     * {@link #createSessionIfRoom} for a log of any number of partitions: completes with the heads
     * of every partition, read in the same atomic step as the creation, or with {@code null} (and
     * stores nothing) when the count is reached. The default (a single-partition log) calls {@link
     * #createSessionIfRoom}.
     *
     * @since 0.7
     */
    default CompletionStage<@Nullable LogPosition> createSessionIfRoomAt(
            SessionRecord session, long expiresAtMillis, long maxSessions) {
        return createSessionIfRoom(session, expiresAtMillis, maxSessions)
                .thenApply(position -> position < 0 ? null : LogPosition.of(position));
    }

    /** The session with that public id, or {@code null}. */
    CompletionStage<@Nullable SessionRecord> findSession(String id);

    /** Moves the expiry of existing sessions to {@code expiresAtMillis}; unknown ids are ignored. */
    CompletionStage<Void> touchSessions(Collection<String> ids, long expiresAtMillis);

    /** Up to {@code max} ids of sessions whose expiry is at or before {@code nowMillis}. */
    CompletionStage<List<String>> expiredSessions(long nowMillis, int max);

    /** Records the position up to which a polling session has been served. */
    CompletionStage<Void> setCursor(String id, long position);

    /**
     * {@link #setCursor(String, long)} for a log of any number of partitions. The default (a
     * single-partition log) calls {@link #setCursor(String, long)} with the single component.
     *
     * @since 0.7
     */
    default CompletionStage<Void> setCursor(String id, LogPosition position) {
        return setCursor(id, position.single());
    }

    /**
     * Atomically deletes the session, its data and its memberships, and appends {@code entry}.
     * Completes with what was removed for exactly one caller, and with {@code null} for every other
     * caller and for unknown ids.
     */
    CompletionStage<@Nullable RemovedSession> removeSession(String id, byte[] entry);

    /** How many sessions exist. */
    CompletionStage<Long> sessionCount();

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
}
