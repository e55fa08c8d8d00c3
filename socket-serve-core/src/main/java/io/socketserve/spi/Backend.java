package io.socketserve.spi;

import java.util.concurrent.CompletionStage;

/**
 * Where the engine keeps everything that must survive the loss of one instance: the ordered message
 * log, sessions and their data, room membership in both directions, presence, the application's
 * key/values and shared rate limits. It is the composition of the backend parts, plus a lifecycle.
 *
 * <h2>The parts</h2>
 *
 * <p>Each part is cut by what it stores, and each has its own contract test in the core test jar:
 *
 * <table>
 *   <caption>Backend parts</caption>
 *   <tr><th>part</th><th>stores</th><th>atomic with</th></tr>
 *   <tr><td>{@link LogStore}</td><td>the ordered log; volatile fan-out</td><td>—</td></tr>
 *   <tr><td>{@link SessionStore}</td><td>session records, expiry, cursor, session data</td>
 *       <td>log, membership</td></tr>
 *   <tr><td>{@link MembershipStore}</td><td>session ↔ room sets, membership version</td>
 *       <td>log, sessions</td></tr>
 *   <tr><td>{@link PresenceStore}</td><td>tracked users per room, liveness, offline schedule</td>
 *       <td>log, sessions</td></tr>
 *   <tr><td>{@link KeyValueStore}</td><td>the application's shared key/values</td><td>—</td></tr>
 *   <tr><td>{@link RateLimitStore}</td><td>shared token buckets</td><td>—</td></tr>
 *   <tr><td>{@link EventLedger}</td><td>per session: which events ran, their answers, their appends</td>
 *       <td>log, sessions</td></tr>
 *   <tr><td>{@link BatchOperations}</td><td>nothing: sessions and membership, per {@link Selection}</td>
 *       <td>log, sessions, membership</td></tr>
 * </table>
 *
 * <p>"Atomic with" is what the parts share: an operation that changes state and appends a log entry
 * does both in one step ({@link MembershipStore#join}, {@link SessionStore#removeSession}, the
 * presence operations), so the log, sessions, membership and presence live in one store under one
 * lock (one Redis, one set of scripts). The key/values and the rate limits share nothing and may
 * live anywhere.
 *
 * <h2>Writing a backend part by part</h2>
 *
 * <ol>
 *   <li>The {@link LogStore} first, alone, with {@code LogStoreContract}.
 *   <li>The {@link SessionStore}, then the {@link MembershipStore}, over the same store as the log
 *       ({@code SessionStoreContract}, {@code MembershipStoreContract}).
 *   <li>The {@link PresenceStore} ({@code PresenceStoreContract}).
 *   <li>The {@link KeyValueStore} ({@code KeyValueStoreContract}); the {@link RateLimitStore} is
 *       optional (its default makes the engine limit per instance).
 *   <li>{@link BatchOperations} comes free (its defaults compose the single-session operations);
 *       override it to make each batch one atomic step ({@code BatchOperationsContract}).
 *   <li>A class that {@code implements Backend}, adds {@link #start} and {@link #close}, and
 *       delegates to the parts; {@code BackendContractTest} runs every contract against it.
 * </ol>
 *
 * <p>Each part's contract test is a JUnit 5 interface whose type parameter names the parts it
 * needs; {@code PartContractSuite} starts and closes the instances under test. {@code
 * InMemoryBackend} and {@code RedisBackend} are built this way: one package-private class per part
 * behind the public backend class. Which methods exist only for a retry loop of the engine is in
 * {@code docs/architecture.md}, "Backend parts and the engine's retry protocols".
 *
 * <h2>Threading and failures</h2>
 *
 * <p>Every method of every part may be called from any thread and must not block the caller beyond
 * enqueueing the operation. Calls made from one thread must take effect in the order they were made
 * (the engine relies on a {@code join} followed by a broadcast from the same handler being appended
 * in that order), across parts as well. A backend that cannot reach its store completes the stage
 * exceptionally with {@link BackendUnavailableException}; the engine turns that into {@code 503
 * unavailable}.
 *
 * <h2>Keys</h2>
 *
 * <p>Session ids are public ids (see {@code docs/protocol.md}); rooms are engine-level room keys that
 * already include the namespace. Neither is ever a credential.
 */
public interface Backend
        extends LogStore,
                SessionStore,
                MembershipStore,
                PresenceStore,
                KeyValueStore,
                RateLimitStore,
                BatchOperations,
                EventLedger,
                AutoCloseable {

    /**
     * A session's record and its membership snapshot (issue 16: a stream attach on an instance that
     * has not seen the session needs both). The default reads the record ({@link #findSession}),
     * then the membership ({@link #membership}); the snapshot must be exact at its own position,
     * which holds whichever is read first. A backend that can should read both in one step (the Redis
     * backend: one script, one round trip). No such session: {@link SessionAttach#missing()},
     * whichever of the two found it missing.
     */
    default CompletionStage<SessionAttach> findSessionWithMembership(String id) {
        return findSession(id)
                .thenCompose(record -> record == null
                        ? java.util.concurrent.CompletableFuture.completedFuture(SessionAttach.missing())
                        : membership(id)
                                .thenApply(snapshot -> snapshot.exists()
                                        ? new SessionAttach(record, snapshot)
                                        : SessionAttach.missing()));
    }

    /**
     * Connects and checks the store. Called once by {@link io.socketserve.SocketServer} before it
     * serves anything; a failure here makes server start-up fail fast.
     *
     * @param maxLogEntries the most log entries the {@link LogStore} keeps (the recovery window by
     *     count); no bound by bytes or age
     */
    CompletionStage<Void> start(int maxLogEntries);

    /**
     * Connects and checks the store, with the log bounded by count, bytes and age ({@link
     * LogRetention}). This is what {@link io.socketserve.SocketServer} calls, with {@code
     * ServerOptions#recoveryMaxMessages}, {@code #recoveryMaxBytes} and {@code #recoveryMaxAge}.
     *
     * <p>The default calls {@link #start(int)} with the count only: the log of such a backend is not
     * bounded by bytes or age, so one client sending large messages can fill the store. Every backend
     * should override it; both bundled backends do, and {@code LogStoreContract} tests it.
     *
     * @since 0.3
     */
    default CompletionStage<Void> start(LogRetention retention) {
        return start(retention.maxEntries());
    }

    /** Releases connections and threads, and stops every {@link LogStore#subscribe} subscription. Idempotent. */
    @Override
    void close();
}
