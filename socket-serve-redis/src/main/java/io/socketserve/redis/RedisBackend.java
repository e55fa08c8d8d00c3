package io.socketserve.redis;

import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.JoinResult;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.LogRetention;
import io.socketserve.spi.LogSlice;
import io.socketserve.spi.LogSubscription;
import io.socketserve.spi.MembershipBatchResult;
import io.socketserve.spi.MembershipSnapshot;
import io.socketserve.spi.PresenceMember;
import io.socketserve.spi.PresenceResult;
import io.socketserve.spi.RemovalBatchResult;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.Selection;
import io.socketserve.spi.SessionPresence;
import io.socketserve.spi.SessionRecord;
import io.socketserve.spi.SessionSnapshot;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Backend} for many instances: sessions, rooms, session data, the log and the application
 * key/values live in one Redis that every instance shares.
 *
 * <pre>{@code
 * Backend backend = new RedisBackend(RedisBackendOptions.of("redis://redis.internal:6379"));
 * }</pre>
 *
 * <h2>How it works</h2>
 *
 * <p>The log is a Redis Stream whose entry ids are {@code 0-<position>}, positions coming from a
 * counter, so that they stay small integers. Every operation that must be atomic is one Lua script
 * (one {@code EVALSHA}); an {@link #append} is one command whatever the size of the room it is for.
 * Each {@link #subscribe} gets a dedicated connection and a daemon thread running {@code XREAD
 * BLOCK}. Every session key carries a safety TTL of {@value #SAFETY_TTL_FACTOR} times the time to the
 * session's expiry (at least five minutes), refreshed by {@link #touchSessions}, so that a cluster that
 * died leaves nothing behind for ever. {@code docs/scaling.md} has the key layout.
 *
 * <h2>Lifecycle and failures</h2>
 *
 * <p><em>new</em> → {@link #start} → <em>running</em> → {@link #close} → <em>closed</em>. {@link #start}
 * fails with {@link BackendUnavailableException} naming the URI (never the password) when Redis
 * cannot be reached within the connect timeout. While running, an operation fails at once with
 * {@link BackendUnavailableException} when the connection is down (commands are rejected, not
 * buffered), after {@link RedisBackendOptions#commandTimeout()} when Redis does not answer, and when
 * more than {@link RedisBackendOptions#maxPendingCommands()} commands await an answer. Lettuce
 * reconnects by itself; operations then work again and subscriptions resume where they were.
 *
 * <h2>Redis Sentinel</h2>
 *
 * <p>With a {@code redis-sentinel://s1:26379,s2:26379,s3:26379#mymaster} URI (see {@link
 * RedisBackendOptions}) every connection asks the Sentinels for the master when it connects and
 * whenever it reconnects, so the backend follows a failover by itself: while the master is down
 * operations fail as above; once the Sentinels name the promoted replica they work again, and
 * subscriptions resume after the last position they delivered. The backend also listens to the
 * Sentinels' {@code +switch-master} and drops its connections to the old master at once (which
 * matters when the old master still runs), and drops the connection that gets a {@code READONLY}
 * reply. {@code docs/scaling.md} has the measured failover times.
 *
 * <p><b>Partitions</b> ({@link RedisBackendOptions.Builder#partitions(int)}): the log is split into P
 * partitions, each with its own hash tag, and every key belongs to one of them (a room's keys to the
 * room's, a session's to the session's); an operation that touches a session and a room of different
 * partitions runs as one script per partition, in an order that keeps the room side authoritative
 * ({@code docs/scaling.md}, "Partitions"). With one partition (the default) everything is as below.
 *
 * <p><b>Redis Cluster</b> ({@link RedisBackendOptions.Builder#clusterNodes(List)}, {@link #createCluster}):
 * with one partition every key shares the hash tag {@code {prefix}}, so one slot holds them all; with
 * P partitions, their tags spread over the slot ranges of the masters. Commands are routed to
 * that slot's master and follow redirects; the topology is read again periodically and on
 * redirects and failures. Subscriptions read from the slot's current master on connections of
 * their own, follow a slot migration at once and a failover as soon as the replica is promoted.
 * {@code docs/scaling.md} has the details and measured pauses.
 *
 * <p>Stages complete on Lettuce's I/O threads: dependent actions must not block.
 *
 * <h2>Parts</h2>
 *
 * <p>Each part of the SPI is a package-private class over one shared connection ({@code RedisCalls}):
 * the log, the sessions, the membership, the batched operations, the presence, the key/values and
 * the rate limits. This class delegates to them and owns the lifecycle.
 */
public final class RedisBackend implements Backend {

    /** A session's keys expire after this many times the time left to its expiry. */
    public static final int SAFETY_TTL_FACTOR = 10;

    private final RedisBackendOptions options;
    private final RedisCalls calls;
    private final RedisLog log;
    private final RedisSessions sessions;
    private final RedisMembership membership;
    private final RedisBatches batches;
    private final RedisPresence presence;
    private final RedisKeyValues keyValues;
    private final RedisRateLimits rateLimits;
    private final RedisEvents events;

    public RedisBackend(RedisBackendOptions options) {
        this.options = Objects.requireNonNull(options, "options == null");
        this.calls = new RedisCalls(options);
        this.log = new RedisLog(calls);
        this.sessions = new RedisSessions(calls);
        this.membership = new RedisMembership(calls);
        this.batches = new RedisBatches(calls);
        this.presence = new RedisPresence(calls);
        this.keyValues = new RedisKeyValues(calls);
        this.rateLimits = new RedisRateLimits(calls);
        this.events = new RedisEvents(calls);
    }

    /**
     * A backend on {@code uri} with every other option at its default: {@code
     * redis://[[user]:password@]host[:port][/database]}, {@code rediss://…} (TLS), or {@code
     * redis-sentinel://[[user]:password@]s1:26379[,s2:26379…][/database]#masterId} to find the master
     * through Redis Sentinel and follow it on failover.
     *
     * @throws IllegalArgumentException if the URI cannot be parsed, or is a Sentinel URI without a
     *     master id (the message names the problem, never the password)
     */
    public static RedisBackend create(String uri) {
        return new RedisBackend(RedisBackendOptions.of(uri));
    }

    /**
     * A backend on the Redis Cluster that {@code seedUris} belong to (one reachable node is enough,
     * the others are discovered), with every other option at its default.
     *
     * @see RedisBackendOptions.Builder#clusterNodes(List)
     */
    public static RedisBackend createCluster(String... seedUris) {
        return new RedisBackend(RedisBackendOptions.ofCluster(seedUris));
    }

    public RedisBackendOptions options() {
        return options;
    }

    @Override
    public CompletionStage<Void> start(int maxLogEntries) {
        if (maxLogEntries < 1) {
            throw new IllegalArgumentException("maxLogEntries < 1: " + maxLogEntries);
        }
        return start(LogRetention.ofEntries(maxLogEntries));
    }

    /**
     * Connects, loads the scripts, and bounds the log stream by count, bytes and age: every append
     * records its entry's length and time beside the stream ({@code {p}:logsz}, {@code {p}:logbytes})
     * and trims the stream's oldest entries past any bound. Needs Redis 6.2 or later ({@code XTRIM
     * MINID}).
     */
    @Override
    public CompletionStage<Void> start(LogRetention retention) {
        return calls.start(retention)
                .thenCompose(v -> calls.checkPartitions())
                .thenCompose(v -> calls.reachPartitions());
    }

    // ------------------------------------------------------------------------------------------ log

    @Override
    public CompletionStage<Long> append(byte[] entry) {
        return log.append(entry);
    }

    @Override
    public CompletionStage<LogSlice> read(long afterPosition, int max) {
        return log.read(afterPosition, max);
    }

    /** One {@code XREVRANGE … COUNT max} (in the script that also reads head and oldest). */
    @Override
    public CompletionStage<LogSlice> readBefore(long beforePosition, int max) {
        return log.readBefore(beforePosition, max);
    }

    @Override
    public CompletionStage<Long> head() {
        return log.head();
    }

    @Override
    public LogSubscription subscribe(long afterPosition, LogListener listener) {
        return log.subscribe(afterPosition, listener);
    }

    /** {@link RedisBackendOptions#partitions()}. */
    @Override
    public int partitions() {
        return log.partitions();
    }

    @Override
    public CompletionStage<Long> append(int partition, byte[] entry) {
        return log.append(partition, entry);
    }

    @Override
    public CompletionStage<LogSlice> read(int partition, long afterPosition, int max) {
        return log.read(partition, afterPosition, max);
    }

    @Override
    public CompletionStage<LogSlice> readBefore(int partition, long beforePosition, int max) {
        return log.readBefore(partition, beforePosition, max);
    }

    @Override
    public CompletionStage<Long> head(int partition) {
        return log.head(partition);
    }

    @Override
    public CompletionStage<LogPosition> heads() {
        return log.heads();
    }

    /** One reader per partition (its own connection and thread, to the partition's current master). */
    @Override
    public LogSubscription subscribe(long[] afterPositions, LogListener listener) {
        return log.subscribe(afterPositions, listener);
    }

    @Override
    public CompletionStage<Void> publishVolatile(byte[] entry) {
        return log.publishVolatile(entry);
    }

    // ------------------------------------------------------------------------------------- sessions

    @Override
    public CompletionStage<Long> createSession(SessionRecord session, long expiresAtMillis) {
        return sessions.createSession(session, expiresAtMillis);
    }

    @Override
    public CompletionStage<Long> createSessionIfRoom(SessionRecord session, long expiresAtMillis, long maxSessions) {
        return sessions.createSessionIfRoom(session, expiresAtMillis, maxSessions);
    }

    /** With one partition the count and the creation run in one script; with several, in two steps. */
    @Override
    public boolean admitsAtomically() {
        return sessions.admitsAtomically();
    }

    @Override
    public CompletionStage<@Nullable LogPosition> createSessionIfRoomAt(
            SessionRecord session, long expiresAtMillis, long maxSessions) {
        return sessions.createSessionIfRoomAt(session, expiresAtMillis, maxSessions);
    }

    @Override
    public CompletionStage<@Nullable SessionRecord> findSession(String id) {
        return sessions.findSession(id);
    }

    @Override
    public CompletionStage<Void> touchSessions(Collection<String> ids, long expiresAtMillis) {
        return sessions.touchSessions(ids, expiresAtMillis);
    }

    @Override
    public CompletionStage<List<String>> expiredSessions(long nowMillis, int max) {
        return sessions.expiredSessions(nowMillis, max);
    }

    @Override
    public CompletionStage<Void> setCursor(String id, long position) {
        return sessions.setCursor(id, position);
    }

    @Override
    public CompletionStage<Void> setCursor(String id, LogPosition position) {
        return sessions.setCursor(id, position);
    }

    @Override
    public CompletionStage<@Nullable RemovedSession> removeSession(String id, byte[] entry) {
        return sessions.removeSession(id, entry);
    }

    @Override
    public CompletionStage<Long> sessionCount() {
        return sessions.sessionCount();
    }

    @Override
    public CompletionStage<@Nullable String> getData(String id, String key) {
        return sessions.getData(id, key);
    }

    @Override
    public CompletionStage<Map<String, String>> getAllData(String id) {
        return sessions.getAllData(id);
    }

    @Override
    public CompletionStage<Boolean> putData(String id, String key, @Nullable String value) {
        return sessions.putData(id, key, value);
    }

    @Override
    public CompletionStage<Boolean> compareAndSetData(
            String id, String key, @Nullable String expected, @Nullable String update) {
        return sessions.compareAndSetData(id, key, expected, update);
    }

    // ----------------------------------------------------------------------------------- membership

    @Override
    public CompletionStage<JoinResult> join(String id, String room, int maxRooms, byte[] entry) {
        return membership.join(id, room, maxRooms, entry);
    }

    @Override
    public CompletionStage<JoinResult> leave(String id, String room, byte[] entry) {
        return membership.leave(id, room, entry);
    }

    @Override
    public CompletionStage<io.socketserve.spi.SessionAttach> findSessionWithMembership(String id) {
        // one script where both sides are in one slot; over partitions, one for a session whose
        // rooms never changed, else the record and the rooms' partitions
        return partitions() > 1
                ? membership.sessionWithMembershipPartitioned(id)
                : membership.sessionWithMembership(id);
    }

    @Override
    public CompletionStage<MembershipSnapshot> membership(String id) {
        return membership.membership(id);
    }

    @Override
    public CompletionStage<Set<String>> roomMembers(String room) {
        return membership.roomMembers(room);
    }

    @Override
    public CompletionStage<Long> roomSize(String room) {
        return membership.roomSize(room);
    }

    // -------------------------------------------------------------------------------------- batched

    @Override
    public CompletionStage<List<String>> selectSessions(Selection selection) {
        return batches.selectSessions(selection);
    }

    @Override
    public CompletionStage<List<SessionSnapshot>> sessionSnapshots(Collection<String> ids) {
        return batches.sessionSnapshots(ids);
    }

    @Override
    public CompletionStage<MembershipBatchResult> joinSelected(
            Selection selection, List<String> rooms, int maxRooms, byte[] entryPrefix) {
        return batches.joinSelected(selection, rooms, maxRooms, entryPrefix);
    }

    @Override
    public CompletionStage<MembershipBatchResult> leaveSelected(
            Selection selection, List<String> rooms, byte[] entryPrefix) {
        return batches.leaveSelected(selection, rooms, entryPrefix);
    }

    @Override
    public CompletionStage<RemovalBatchResult> removeSelected(Selection selection, byte[] entryPrefix, String reason) {
        return batches.removeSelected(selection, entryPrefix, reason);
    }

    // ------------------------------------------------------------------------------------- presence

    @Override
    public CompletionStage<PresenceResult> presenceEnter(
            String id,
            String room,
            String user,
            String state,
            long liveUntilMillis,
            byte[] joinEntry,
            byte @Nullable [] updateEntry) {
        return presence.presenceEnter(id, room, user, state, liveUntilMillis, joinEntry, updateEntry);
    }

    @Override
    public CompletionStage<PresenceResult> presenceRevive(
            String id, Map<String, byte[]> joinEntries, long liveUntilMillis) {
        return presence.presenceRevive(id, joinEntries, liveUntilMillis);
    }

    @Override
    public CompletionStage<PresenceResult> presenceUpdate(String id, String room, String state, byte[] updateEntry) {
        return presence.presenceUpdate(id, room, state, updateEntry);
    }

    @Override
    public CompletionStage<PresenceResult> presenceLeave(String id, String room, byte[] leaveEntry) {
        return presence.presenceLeave(id, room, leaveEntry);
    }

    @Override
    public CompletionStage<@Nullable SessionPresence> sessionPresence(String id) {
        return presence.sessionPresence(id);
    }

    @Override
    public CompletionStage<List<String>> presenceRefresh(Collection<String> ids, long liveUntilMillis) {
        return presence.presenceRefresh(ids, liveUntilMillis);
    }

    @Override
    public CompletionStage<List<String>> presenceLapsed(long nowMillis, int max) {
        return presence.presenceLapsed(nowMillis, max);
    }

    @Override
    public CompletionStage<PresenceResult> presenceDrop(
            String id, Map<String, byte[]> leaveEntries, long nowMillis, long offlineGraceMillis) {
        return presence.presenceDrop(id, leaveEntries, nowMillis, offlineGraceMillis);
    }

    @Override
    public CompletionStage<List<String>> presenceOfflineDue(long nowMillis, int max) {
        return presence.presenceOfflineDue(nowMillis, max);
    }

    @Override
    public CompletionStage<List<PresenceMember>> presenceMembers(String room) {
        return presence.presenceMembers(room);
    }

    @Override
    public CompletionStage<Long> presenceCount(String room) {
        return presence.presenceCount(room);
    }

    // ---------------------------------------------------------------------------- key/value, limits

    @Override
    public CompletionStage<@Nullable String> kvGet(String key) {
        return keyValues.kvGet(key);
    }

    @Override
    public CompletionStage<Boolean> kvCompareAndSet(
            String key, @Nullable String expected, @Nullable String update, long ttlMillis) {
        return keyValues.kvCompareAndSet(key, expected, update, ttlMillis);
    }

    @Override
    public CompletionStage<Void> kvPut(String key, @Nullable String value, long ttlMillis) {
        return keyValues.kvPut(key, value, ttlMillis);
    }

    /** One script run on a bucket hash that expires once it would be full again. */
    @Override
    public CompletionStage<Long> tryAcquire(String key, double ratePerSecond, int burst, long nowMillis) {
        return rateLimits.tryAcquire(key, ratePerSecond, burst, nowMillis);
    }

    // ------------------------------------------------------------------------------------- closing

    /** Stops every subscription and releases the connections and Lettuce's threads. Idempotent. */
    @Override
    public void close() {
        Runnable release = calls.close();
        if (release == null) {
            return;
        }
        log.closeSubscriptions();
        release.run();
    }

    @Override
    public String toString() {
        return "RedisBackend{" + calls.where() + ", prefix " + calls.keys().prefixString() + "}";
    }

    // -------------------------------------------------------------------------------------- events

    @Override
    public CompletionStage<io.socketserve.spi.EventClaim> claimEvent(
            String sessionId, long seq, String attempt, int window, long nowMillis, long leaseMillis) {
        return events.claimEvent(sessionId, seq, attempt, window, nowMillis, leaseMillis);
    }

    @Override
    public CompletionStage<Void> settleEvent(String sessionId, long seq, String attempt, byte @Nullable [] answer) {
        return events.settleEvent(sessionId, seq, attempt, answer);
    }

    @Override
    public CompletionStage<Long> appendOnce(String sessionId, long seq, int n, byte[] entry) {
        return events.appendOnce(sessionId, seq, n, entry);
    }

    @Override
    public CompletionStage<Long> appendOnce(int partition, String sessionId, long seq, int n, byte[] entry) {
        return events.appendOnce(partition, sessionId, seq, n, entry);
    }
}
