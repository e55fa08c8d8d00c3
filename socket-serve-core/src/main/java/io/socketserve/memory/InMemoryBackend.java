package io.socketserve.memory;

import io.socketserve.spi.Backend;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The embedded default {@link Backend}: everything in this JVM's heap, for a single instance.
 *
 * <p>All state that an operation may change together with the log (sessions, memberships,
 * presence, the log itself) sits behind one lock, which makes every operation trivially atomic; the
 * key/values and the rate limit buckets have their own. Operations are O(1) or O(size of the
 * answer), times O(log n) where a deadline moves ({@link #touchSessions}, the presence refreshes):
 * {@link #expiredSessions}, {@link #presenceLapsed} and {@link #presenceOfflineDue} read
 * deadline-ordered indexes instead of scanning. The batched operations are O(sessions examined ×
 * rooms) and hold the lock throughout. The log is a ring buffer of {@code maxEntries} records,
 * trimmed further by bytes and by age ({@link LogRetention}), so its memory is bounded by the byte
 * bound plus a small overhead per record. Subscribers are fed by one daemon thread each.
 *
 * <pre>{@code
 * SocketServer server = SocketServer.create(ServerOptions.builder()
 *         .backend(new InMemoryBackend())   // the default; shown for clarity
 *         .build());
 * }</pre>
 *
 * <p>Each part of the SPI is a package-private class here (the log, the sessions, the membership,
 * the batched operations, the presence, the key/values, the rate limits), and this class delegates
 * to them: a worked example of a backend written part by part.
 */
public final class InMemoryBackend implements Backend {

    private final InMemoryLog log;
    private final InMemorySessions sessions;
    private final InMemoryMembership membership;
    private final InMemoryBatches batches;
    private final InMemoryPresence presence;
    private final InMemoryEvents events;
    private final InMemoryKeyValues keyValues = new InMemoryKeyValues();
    private final InMemoryRateLimits rateLimits = new InMemoryRateLimits();

    /** Creates an empty backend; {@link #start} sizes the log. */
    public InMemoryBackend() {
        this(1);
    }

    /**
     * Creates an empty backend whose log has {@code partitions} partitions (issue 15; see {@link
     * io.socketserve.spi.LogStore#partitions()}): rooms are spread over them by {@link
     * io.socketserve.spi.Partitions#of}, and a client's position has one component per partition.
     * One partition (the default) is the classic single totally ordered log. Every partition keeps
     * the retention given to {@link #start} on its own.
     *
     * @param partitions 1 to {@link io.socketserve.spi.Partitions#MAX}
     * @since 0.7
     */
    public InMemoryBackend(int partitions) {
        ReentrantLock lock = new ReentrantLock();
        RoomIndex rooms = new RoomIndex();
        log = new InMemoryLog(lock, partitions);
        sessions = new InMemorySessions(lock, log, rooms);
        membership = new InMemoryMembership(lock, log, sessions, rooms);
        batches = new InMemoryBatches(lock, log, sessions, rooms);
        presence = new InMemoryPresence(lock, log, sessions);
        events = new InMemoryEvents(lock, log, sessions);
    }

    @Override
    public CompletionStage<Void> start(int maxLogEntries) {
        if (maxLogEntries < 1) {
            throw new IllegalArgumentException("maxLogEntries < 1: " + maxLogEntries);
        }
        return start(LogRetention.ofEntries(maxLogEntries));
    }

    /** Sizes the log ring ({@code maxEntries}) and bounds it by bytes and age as well. */
    @Override
    public CompletionStage<Void> start(LogRetention retention) {
        log.start(retention);
        return CompletableFuture.completedFuture(null);
    }

    /**
     * The bytes of log entries this backend keeps right now, as its byte bound ({@link
     * LogRetention#maxBytes()}) counts them: the sum of the entries' lengths.
     *
     * @since 0.3
     */
    public long retainedLogBytes() {
        return log.retainedBytes();
    }

    // ----------------------------------------------------------------------------------------- log

    @Override
    public CompletionStage<Long> append(byte[] entry) {
        return log.append(entry);
    }

    @Override
    public CompletionStage<LogSlice> read(long afterPosition, int max) {
        return log.read(afterPosition, max);
    }

    /** A reverse walk of the ring: O(max), the records are contiguous. */
    @Override
    public CompletionStage<LogSlice> readBefore(long beforePosition, int max) {
        return log.readBefore(beforePosition, max);
    }

    @Override
    public CompletionStage<Long> head() {
        return log.head();
    }

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
    public CompletionStage<Long> head(int partition) {
        return log.head(partition);
    }

    @Override
    public CompletionStage<LogPosition> heads() {
        return log.heads();
    }

    @Override
    public CompletionStage<LogSlice> readBefore(int partition, long beforePosition, int max) {
        return log.readBefore(partition, beforePosition, max);
    }

    @Override
    public LogSubscription subscribe(long[] afterPositions, LogListener listener) {
        return log.subscribe(afterPositions, listener);
    }

    @Override
    public LogSubscription subscribe(long afterPosition, LogListener listener) {
        return log.subscribe(afterPosition, listener);
    }

    @Override
    public CompletionStage<Void> publishVolatile(byte[] entry) {
        return log.publishVolatile(entry);
    }

    // ------------------------------------------------------------------------------------ sessions

    @Override
    public CompletionStage<Long> createSession(SessionRecord session, long expiresAtMillis) {
        return sessions.createSession(session, expiresAtMillis);
    }

    @Override
    public CompletionStage<Long> createSessionIfRoom(SessionRecord session, long expiresAtMillis, long maxSessions) {
        return sessions.createSessionIfRoom(session, expiresAtMillis, maxSessions);
    }

    /** The count and the creation happen under the store's lock. */
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

    /** {@code false}: the sessions live in this instance's memory and end with it. */
    @Override
    public boolean sessionsOutliveInstance() {
        return sessions.sessionsOutliveInstance();
    }

    // ---------------------------------------------------------------------------------- membership

    @Override
    public CompletionStage<JoinResult> join(String id, String room, int maxRooms, byte[] entry) {
        return membership.join(id, room, maxRooms, entry);
    }

    @Override
    public CompletionStage<JoinResult> leave(String id, String room, byte[] entry) {
        return membership.leave(id, room, entry);
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

    // ------------------------------------------------------------------------------------- batched

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
            Selection selection, List<String> roomKeys, int maxRooms, byte[] entryPrefix) {
        return batches.changeSelected(selection, roomKeys, maxRooms, true, entryPrefix);
    }

    @Override
    public CompletionStage<MembershipBatchResult> leaveSelected(
            Selection selection, List<String> roomKeys, byte[] entryPrefix) {
        return batches.changeSelected(selection, roomKeys, Integer.MAX_VALUE, false, entryPrefix);
    }

    @Override
    public CompletionStage<RemovalBatchResult> removeSelected(Selection selection, byte[] entryPrefix, String reason) {
        return batches.removeSelected(selection, entryPrefix, reason);
    }

    // ------------------------------------------------------------------------------------ presence

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

    // ------------------------------------------------------------------------- key/value, limits

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

    @Override
    public CompletionStage<Long> tryAcquire(String key, double ratePerSecond, int burst, long nowMillis) {
        return rateLimits.tryAcquire(key, ratePerSecond, burst, nowMillis);
    }

    // ----------------------------------------------------------------------------------- lifecycle

    @Override
    public void close() {
        log.close();
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
