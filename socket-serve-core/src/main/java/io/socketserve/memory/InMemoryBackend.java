package io.socketserve.memory;

import io.socketserve.internal.TokenBuckets;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BatchEntries;
import io.socketserve.spi.JoinResult;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.LogSlice;
import io.socketserve.spi.LogSubscription;
import io.socketserve.spi.MembershipBatchResult;
import io.socketserve.spi.MembershipChange;
import io.socketserve.spi.MembershipSnapshot;
import io.socketserve.spi.PresenceMember;
import io.socketserve.spi.PresenceResult;
import io.socketserve.spi.RemovalBatchResult;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.Selection;
import io.socketserve.spi.SessionPresence;
import io.socketserve.spi.SessionRecord;
import io.socketserve.spi.SessionSnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The embedded default {@link Backend}: everything in this JVM's heap, for a single instance.
 *
 * <p>All state sits behind one lock, which makes every operation trivially atomic; operations are
 * O(1) or O(size of the answer) except {@link #expiredSessions}, which scans the sessions, and the
 * batched operations, which are O(sessions examined × rooms) and hold the lock throughout. The log
 * is a ring buffer of {@code maxLogEntries} records, so its memory is bounded by that count times
 * the entry size. Subscribers are fed by one daemon thread each.
 *
 * <pre>{@code
 * SocketServer server = SocketServer.create(ServerOptions.builder()
 *         .backend(new InMemoryBackend())   // the default; shown for clarity
 *         .build());
 * }</pre>
 */
public final class InMemoryBackend implements Backend {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appended = lock.newCondition();
    private final Map<String, Session> sessions = new HashMap<>();
    private final Map<String, Set<String>> rooms = new HashMap<>();
    private final Map<String, Set<String>> namespaces = new HashMap<>(); // namespace -> session ids
    private final Map<String, KvEntry> kv = new HashMap<>();
    private final Map<String, Tracked> tracked = new HashMap<>(); // session id -> its presence
    private final Map<String, Map<String, UserInRoom>> presence = new HashMap<>(); // room -> user -> entry
    private final Map<String, Integer> liveSessionsByUser = new HashMap<>();
    private final Map<String, Long> offlineAt = new HashMap<>();
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

    private LogRecord[] ring = new LogRecord[1024];
    private long head; // position of the newest record; records are at positions head-size+1..head
    private int size;
    private boolean closed;
    private final TokenBuckets buckets = new TokenBuckets();
    private volatile int rateCalls; // approximate; only paces eviction

    /** Creates an empty backend; {@link #start} sizes the log. */
    public InMemoryBackend() {}

    @Override
    public CompletionStage<Void> start(int maxLogEntries) {
        if (maxLogEntries < 1) {
            throw new IllegalArgumentException("maxLogEntries < 1: " + maxLogEntries);
        }
        lock.lock();
        try {
            if (size > 0) {
                throw new IllegalStateException("already started");
            }
            ring = new LogRecord[maxLogEntries];
        } finally {
            lock.unlock();
        }
        return done(null);
    }

    // ----------------------------------------------------------------------------------------- log

    /** Appends under the lock; the caller holds it. */
    private long appendLocked(byte[] entry) {
        long position = ++head;
        ring[(int) (position % ring.length)] = new LogRecord(position, entry);
        if (size < ring.length) {
            size++;
        }
        appended.signalAll();
        return position;
    }

    private long oldestLocked() {
        return head - size + 1;
    }

    @Override
    public CompletionStage<Long> append(byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        lock.lock();
        try {
            return done(appendLocked(entry));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<LogSlice> read(long afterPosition, int max) {
        lock.lock();
        try {
            return done(new LogSlice(readLocked(afterPosition, max), oldestLocked(), head));
        } finally {
            lock.unlock();
        }
    }

    private List<LogRecord> readLocked(long afterPosition, int max) {
        long from = Math.max(afterPosition + 1, oldestLocked());
        long to = Math.min(head, from + max - 1);
        if (to < from) {
            return List.of();
        }
        List<LogRecord> out = new ArrayList<>((int) (to - from + 1));
        for (long p = from; p <= to; p++) {
            out.add(ring[(int) (p % ring.length)]);
        }
        return out;
    }

    /** A reverse walk of the ring: O(max), the records are contiguous. */
    @Override
    public CompletionStage<LogSlice> readBefore(long beforePosition, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        lock.lock();
        try {
            long to = beforePosition <= 1 ? 0 : Math.min(head, beforePosition - 1);
            long from = Math.max(oldestLocked(), to - max + 1);
            List<LogRecord> out = new ArrayList<>((int) Math.max(0, to - from + 1));
            for (long p = from; p <= to; p++) {
                out.add(ring[(int) (p % ring.length)]);
            }
            return done(new LogSlice(out, oldestLocked(), head));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Long> head() {
        lock.lock();
        try {
            return done(head);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public LogSubscription subscribe(long afterPosition, LogListener listener) {
        Subscription s = new Subscription(afterPosition, listener);
        subscriptions.add(s);
        s.thread.start();
        return s;
    }

    // ------------------------------------------------------------------------------------ sessions

    @Override
    public CompletionStage<Long> createSession(SessionRecord session, long expiresAtMillis) {
        lock.lock();
        try {
            if (sessions.containsKey(session.id())) {
                return CompletableFuture.failedFuture(new IllegalStateException("duplicate session id"));
            }
            SessionRecord created = session.withCreatedPosition(head);
            sessions.put(session.id(), new Session(created, expiresAtMillis));
            namespaces
                    .computeIfAbsent(session.namespace(), n -> new LinkedHashSet<>())
                    .add(session.id());
            return done(head);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<@Nullable SessionRecord> findSession(String id) {
        lock.lock();
        try {
            Session s = sessions.get(id);
            return done(s == null ? null : s.record);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Void> touchSessions(Collection<String> ids, long expiresAtMillis) {
        lock.lock();
        try {
            for (String id : ids) {
                Session s = sessions.get(id);
                if (s != null) {
                    s.expiresAt = expiresAtMillis;
                }
            }
            return done(null);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<List<String>> expiredSessions(long nowMillis, int max) {
        lock.lock();
        try {
            List<String> out = new ArrayList<>();
            for (Session s : sessions.values()) {
                if (s.expiresAt <= nowMillis) {
                    out.add(s.record.id());
                    if (out.size() >= max) {
                        break;
                    }
                }
            }
            return done(out);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Void> setCursor(String id, long position) {
        lock.lock();
        try {
            Session s = sessions.get(id);
            if (s != null) {
                s.record = s.record.withCursor(position);
            }
            return done(null);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<@Nullable RemovedSession> removeSession(String id, byte[] entry) {
        lock.lock();
        try {
            Session s = removeLocked(id);
            if (s == null) {
                return done(null);
            }
            long position = appendLocked(entry);
            return done(new RemovedSession(s.record, s.rooms, s.data, position));
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the session and its memberships; the caller holds the lock and appends the entry. */
    private @Nullable Session removeLocked(String id) {
        Session s = sessions.remove(id);
        if (s == null) {
            return null;
        }
        for (String room : s.rooms) {
            removeMember(room, id);
        }
        Set<String> ids = namespaces.get(s.record.namespace());
        if (ids != null && ids.remove(id) && ids.isEmpty()) {
            namespaces.remove(s.record.namespace());
        }
        return s;
    }

    @Override
    public CompletionStage<Long> sessionCount() {
        lock.lock();
        try {
            return done((long) sessions.size());
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------- membership

    @Override
    public CompletionStage<JoinResult> join(String id, String room, int maxRooms, byte[] entry) {
        lock.lock();
        try {
            Session s = sessions.get(id);
            if (s == null) {
                return done(JoinResult.of(JoinResult.Status.NO_SESSION));
            }
            if (s.rooms.contains(room)) {
                return done(JoinResult.of(JoinResult.Status.UNCHANGED));
            }
            if (s.rooms.size() >= maxRooms) {
                return done(JoinResult.of(JoinResult.Status.LIMIT_REACHED));
            }
            s.rooms.add(room);
            rooms.computeIfAbsent(room, r -> new HashSet<>()).add(id);
            long position = appendLocked(entry);
            s.membershipVersion = position;
            return done(JoinResult.changed(position));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<JoinResult> leave(String id, String room, byte[] entry) {
        lock.lock();
        try {
            Session s = sessions.get(id);
            if (s == null) {
                return done(JoinResult.of(JoinResult.Status.NO_SESSION));
            }
            if (!s.rooms.remove(room)) {
                return done(JoinResult.of(JoinResult.Status.UNCHANGED));
            }
            removeMember(room, id);
            long position = appendLocked(entry);
            s.membershipVersion = position;
            return done(JoinResult.changed(position));
        } finally {
            lock.unlock();
        }
    }

    private void removeMember(String room, String id) {
        Set<String> members = rooms.get(room);
        if (members != null && members.remove(id) && members.isEmpty()) {
            rooms.remove(room);
        }
    }

    @Override
    public CompletionStage<MembershipSnapshot> membership(String id) {
        lock.lock();
        try {
            Session s = sessions.get(id);
            return done(
                    s == null
                            ? MembershipSnapshot.missing()
                            : new MembershipSnapshot(
                                    true, s.rooms, Math.max(s.membershipVersion, s.record.createdPosition())));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Set<String>> roomMembers(String room) {
        lock.lock();
        try {
            Set<String> members = rooms.get(room);
            return done(members == null ? Set.of() : Set.copyOf(members));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Long> roomSize(String room) {
        lock.lock();
        try {
            Set<String> members = rooms.get(room);
            return done(members == null ? 0L : members.size());
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------- batched

    /** The selected ids, at most {@code selection.max()}, and whether more matched. */
    private record Selected(List<String> ids, boolean truncated) {}

    /** Applies the rules of {@link Selection}; the caller holds the lock. */
    private Selected selectLocked(Selection selection) {
        Set<String> exceptIds = new HashSet<>(selection.exceptIds());
        for (String room : selection.exceptRooms()) {
            String id = selection.idOf(room);
            if (id != null) {
                exceptIds.add(id);
            }
        }
        Set<String> candidates = new LinkedHashSet<>();
        if (selection.rooms().isEmpty()) {
            candidates.addAll(namespaces.getOrDefault(selection.namespace(), Set.of()));
        } else {
            for (String room : selection.rooms()) {
                String id = selection.idOf(room);
                if (id != null) {
                    candidates.add(id);
                }
                candidates.addAll(rooms.getOrDefault(room, Set.of()));
            }
        }
        List<String> out = new ArrayList<>();
        for (String id : candidates) {
            Session s = sessions.get(id);
            if (s == null
                    || !s.record.namespace().equals(selection.namespace())
                    || exceptIds.contains(id)
                    || inAny(s, selection.exceptRooms())) {
                continue;
            }
            if (out.size() == selection.max()) {
                return new Selected(out, true);
            }
            out.add(id);
        }
        return new Selected(out, false);
    }

    private static boolean inAny(Session s, List<String> rooms) {
        for (String room : rooms) {
            if (s.rooms.contains(room)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public CompletionStage<List<String>> selectSessions(Selection selection) {
        lock.lock();
        try {
            return done(selectLocked(selection).ids());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<List<SessionSnapshot>> sessionSnapshots(Collection<String> ids) {
        lock.lock();
        try {
            List<SessionSnapshot> out = new ArrayList<>();
            for (String id : new LinkedHashSet<>(ids)) {
                Session s = sessions.get(id);
                if (s != null) {
                    out.add(new SessionSnapshot(s.record, s.rooms, s.data));
                }
            }
            return done(out);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<MembershipBatchResult> joinSelected(
            Selection selection, List<String> roomKeys, int maxRooms, byte[] entryPrefix) {
        return changeSelected(selection, roomKeys, maxRooms, true, entryPrefix);
    }

    @Override
    public CompletionStage<MembershipBatchResult> leaveSelected(
            Selection selection, List<String> roomKeys, byte[] entryPrefix) {
        return changeSelected(selection, roomKeys, Integer.MAX_VALUE, false, entryPrefix);
    }

    private CompletionStage<MembershipBatchResult> changeSelected(
            Selection selection, List<String> roomKeys, int maxRooms, boolean join, byte[] entryPrefix) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        Set<String> distinct = new LinkedHashSet<>(roomKeys);
        lock.lock();
        try {
            Selected selected = selectLocked(selection);
            List<MembershipChange> changes = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            Set<Session> changed = new HashSet<>();
            for (String id : selected.ids()) {
                Session s = sessions.get(id);
                for (String room : distinct) {
                    if (join) {
                        if (s.rooms.contains(room)) {
                            continue;
                        }
                        if (s.rooms.size() >= maxRooms) {
                            skipped.add(id);
                            break;
                        }
                        s.rooms.add(room);
                        rooms.computeIfAbsent(room, r -> new HashSet<>()).add(id);
                    } else {
                        if (!s.rooms.remove(room)) {
                            continue;
                        }
                        removeMember(room, id);
                    }
                    changes.add(new MembershipChange(id, room, join));
                    changed.add(s);
                }
            }
            long position = 0;
            if (!changes.isEmpty()) {
                position = appendLocked(BatchEntries.membership(entryPrefix, changes));
                for (Session s : changed) {
                    s.membershipVersion = position;
                }
            }
            return done(new MembershipBatchResult(changes, skipped, position, selected.truncated()));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<RemovalBatchResult> removeSelected(Selection selection, byte[] entryPrefix, String reason) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        Objects.requireNonNull(reason, "reason == null");
        lock.lock();
        try {
            Selected selected = selectLocked(selection);
            if (selected.ids().isEmpty()) {
                return done(new RemovalBatchResult(List.of(), 0, selected.truncated()));
            }
            List<Session> removed = new ArrayList<>();
            for (String id : selected.ids()) {
                removed.add(Objects.requireNonNull(removeLocked(id)));
            }
            long position = appendLocked(BatchEntries.removal(entryPrefix, selected.ids(), reason));
            List<RemovedSession> out = new ArrayList<>(removed.size());
            for (Session s : removed) {
                out.add(new RemovedSession(s.record, s.rooms, s.data, position));
            }
            return done(new RemovalBatchResult(out, position, selected.truncated()));
        } finally {
            lock.unlock();
        }
    }

    // -------------------------------------------------------------------------------- session data

    @Override
    public CompletionStage<@Nullable String> getData(String id, String key) {
        lock.lock();
        try {
            Session s = sessions.get(id);
            return done(s == null ? null : s.data.get(key));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Map<String, String>> getAllData(String id) {
        lock.lock();
        try {
            Session s = sessions.get(id);
            return done(s == null ? Map.of() : Map.copyOf(s.data));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Boolean> putData(String id, String key, @Nullable String value) {
        lock.lock();
        try {
            Session s = sessions.get(id);
            if (s == null) {
                return done(false);
            }
            if (value == null) {
                s.data.remove(key);
            } else {
                s.data.put(key, value);
            }
            return done(true);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Boolean> compareAndSetData(
            String id, String key, @Nullable String expected, @Nullable String update) {
        lock.lock();
        try {
            Session s = sessions.get(id);
            if (s == null || !Objects.equals(s.data.get(key), expected)) {
                return done(false);
            }
            if (update == null) {
                s.data.remove(key);
            } else {
                s.data.put(key, update);
            }
            return done(true);
        } finally {
            lock.unlock();
        }
    }

    // ----------------------------------------------------------------------------------- key/value

    @Override
    public CompletionStage<@Nullable String> kvGet(String key) {
        lock.lock();
        try {
            KvEntry e = liveKv(key);
            return done(e == null ? null : e.value);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Boolean> kvCompareAndSet(
            String key, @Nullable String expected, @Nullable String update, long ttlMillis) {
        lock.lock();
        try {
            KvEntry e = liveKv(key);
            if (!Objects.equals(e == null ? null : e.value, expected)) {
                return done(false);
            }
            putKvLocked(key, update, ttlMillis);
            return done(true);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Void> kvPut(String key, @Nullable String value, long ttlMillis) {
        lock.lock();
        try {
            putKvLocked(key, value, ttlMillis);
            return done(null);
        } finally {
            lock.unlock();
        }
    }

    private void putKvLocked(String key, @Nullable String value, long ttlMillis) {
        if (value == null) {
            kv.remove(key);
        } else {
            kv.put(key, new KvEntry(value, ttlMillis > 0 ? System.currentTimeMillis() + ttlMillis : Long.MAX_VALUE));
        }
    }

    private @Nullable KvEntry liveKv(String key) {
        KvEntry e = kv.get(key);
        if (e != null && e.expiresAt <= System.currentTimeMillis()) {
            kv.remove(key);
            return null;
        }
        return e;
    }

    // ----------------------------------------------------------------------------------- volatile

    @Override
    public CompletionStage<Void> publishVolatile(byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        for (Subscription s : subscriptions) {
            s.deliverVolatile(entry);
        }
        return done(null);
    }

    // ----------------------------------------------------------------------------------- presence
    // A session is in a room's presence exactly when it is live and tracked in that room.

    @Override
    public CompletionStage<PresenceResult> presenceEnter(
            String id,
            String room,
            String user,
            String state,
            long liveUntilMillis,
            byte[] joinEntry,
            byte @Nullable [] updateEntry) {
        lock.lock();
        try {
            if (!sessions.containsKey(id)) {
                return done(PresenceResult.of(PresenceResult.Status.NO_SESSION));
            }
            Tracked t = tracked.get(id);
            if (t == null) {
                t = new Tracked(user);
                tracked.put(id, t);
            } else if (!t.user.equals(user)) {
                return done(PresenceResult.of(PresenceResult.Status.USER_MISMATCH));
            }
            if (t.liveUntil == 0) {
                if (!t.rooms.isEmpty()) {
                    return done(PresenceResult.of(PresenceResult.Status.LAPSED));
                }
                becomeLiveLocked(t, liveUntilMillis);
            } else {
                t.liveUntil = Math.max(t.liveUntil, liveUntilMillis);
            }
            boolean counted = t.rooms.containsKey(room);
            t.rooms.put(room, state);
            Map<String, UserInRoom> users = presence.computeIfAbsent(room, r -> new HashMap<>());
            UserInRoom u = users.get(user);
            if (u == null) {
                users.put(user, new UserInRoom(state, 1));
                return done(PresenceResult.appended(PresenceResult.Status.JOINED, appendLocked(joinEntry)));
            }
            if (!counted) {
                u.sessions++;
            }
            if (updateEntry != null && !u.state.equals(state)) {
                u.state = state;
                return done(PresenceResult.appended(PresenceResult.Status.UPDATED, appendLocked(updateEntry)));
            }
            return done(PresenceResult.of(PresenceResult.Status.UNCHANGED));
        } finally {
            lock.unlock();
        }
    }

    private void becomeLiveLocked(Tracked t, long liveUntilMillis) {
        t.liveUntil = liveUntilMillis;
        liveSessionsByUser.merge(t.user, 1, Integer::sum);
        offlineAt.remove(t.user);
    }

    @Override
    public CompletionStage<PresenceResult> presenceRevive(
            String id, Map<String, byte[]> joinEntries, long liveUntilMillis) {
        lock.lock();
        try {
            if (!sessions.containsKey(id)) {
                return done(PresenceResult.of(PresenceResult.Status.NO_SESSION));
            }
            Tracked t = tracked.get(id);
            if (t == null) {
                return done(PresenceResult.of(PresenceResult.Status.NOT_TRACKED));
            }
            if (t.liveUntil != 0) {
                t.liveUntil = Math.max(t.liveUntil, liveUntilMillis);
                return done(PresenceResult.of(PresenceResult.Status.UNCHANGED));
            }
            if (!t.rooms.keySet().equals(joinEntries.keySet())) {
                return done(PresenceResult.of(PresenceResult.Status.RETRY));
            }
            becomeLiveLocked(t, liveUntilMillis);
            long last = 0;
            for (Map.Entry<String, String> room : t.rooms.entrySet()) {
                Map<String, UserInRoom> users = presence.computeIfAbsent(room.getKey(), r -> new HashMap<>());
                UserInRoom u = users.get(t.user);
                if (u == null) {
                    users.put(t.user, new UserInRoom(room.getValue(), 1));
                    last = appendLocked(joinEntries.get(room.getKey()));
                } else {
                    u.sessions++;
                }
            }
            return done(
                    last == 0
                            ? PresenceResult.of(PresenceResult.Status.UNCHANGED)
                            : PresenceResult.appended(PresenceResult.Status.JOINED, last));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<PresenceResult> presenceUpdate(String id, String room, String state, byte[] updateEntry) {
        lock.lock();
        try {
            if (!sessions.containsKey(id)) {
                return done(PresenceResult.of(PresenceResult.Status.NO_SESSION));
            }
            Tracked t = tracked.get(id);
            if (t == null || !t.rooms.containsKey(room)) {
                return done(PresenceResult.of(PresenceResult.Status.NOT_TRACKED));
            }
            t.rooms.put(room, state);
            if (t.liveUntil == 0) {
                return done(PresenceResult.of(PresenceResult.Status.UNCHANGED));
            }
            UserInRoom u = presence.get(room).get(t.user);
            if (u.state.equals(state)) {
                return done(PresenceResult.of(PresenceResult.Status.UNCHANGED));
            }
            u.state = state;
            return done(PresenceResult.appended(PresenceResult.Status.UPDATED, appendLocked(updateEntry)));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<PresenceResult> presenceLeave(String id, String room, byte[] leaveEntry) {
        lock.lock();
        try {
            if (!sessions.containsKey(id)) {
                return done(PresenceResult.of(PresenceResult.Status.NO_SESSION));
            }
            Tracked t = tracked.get(id);
            if (t == null || t.rooms.remove(room) == null) {
                return done(PresenceResult.of(PresenceResult.Status.NOT_TRACKED));
            }
            if (t.liveUntil != 0 && leaveRoomLocked(room, t.user)) {
                return done(PresenceResult.appended(PresenceResult.Status.LEFT, appendLocked(leaveEntry)));
            }
            return done(PresenceResult.of(PresenceResult.Status.UNCHANGED));
        } finally {
            lock.unlock();
        }
    }

    /** One live session of the user leaves the room's presence; returns whether the user left it. */
    private boolean leaveRoomLocked(String room, String user) {
        Map<String, UserInRoom> users = presence.get(room);
        UserInRoom u = users.get(user);
        if (--u.sessions > 0) {
            return false;
        }
        users.remove(user);
        if (users.isEmpty()) {
            presence.remove(room);
        }
        return true;
    }

    @Override
    public CompletionStage<@Nullable SessionPresence> sessionPresence(String id) {
        lock.lock();
        try {
            Tracked t = tracked.get(id);
            return done(t == null ? null : new SessionPresence(t.user, t.rooms, t.liveUntil != 0));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<List<String>> presenceRefresh(Collection<String> ids, long liveUntilMillis) {
        lock.lock();
        try {
            List<String> lapsed = new ArrayList<>();
            for (String id : ids) {
                Tracked t = tracked.get(id);
                if (t == null) {
                    continue;
                }
                if (t.liveUntil != 0) {
                    t.liveUntil = Math.max(t.liveUntil, liveUntilMillis);
                } else if (sessions.containsKey(id)) {
                    lapsed.add(id);
                }
            }
            return done(lapsed);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<List<String>> presenceLapsed(long nowMillis, int max) {
        lock.lock();
        try {
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, Tracked> e : tracked.entrySet()) {
                long until = e.getValue().liveUntil;
                if (until != 0 && until <= nowMillis) {
                    out.add(e.getKey());
                    if (out.size() >= max) {
                        break;
                    }
                }
            }
            return done(out);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<PresenceResult> presenceDrop(
            String id, Map<String, byte[]> leaveEntries, long nowMillis, long offlineGraceMillis) {
        lock.lock();
        try {
            Tracked t = tracked.get(id);
            if (t == null) {
                return done(PresenceResult.of(PresenceResult.Status.UNCHANGED));
            }
            boolean ended = !sessions.containsKey(id);
            boolean lapsed = t.liveUntil != 0 && t.liveUntil <= nowMillis;
            if (!ended && !lapsed) {
                return done(PresenceResult.of(PresenceResult.Status.UNCHANGED));
            }
            if (t.liveUntil != 0 && !t.rooms.keySet().equals(leaveEntries.keySet())) {
                return done(PresenceResult.of(PresenceResult.Status.RETRY));
            }
            long last = 0;
            boolean wasLive = t.liveUntil != 0;
            if (wasLive) {
                for (String room : t.rooms.keySet()) {
                    if (leaveRoomLocked(room, t.user)) {
                        last = appendLocked(leaveEntries.get(room));
                    }
                }
                t.liveUntil = 0;
                int left = liveSessionsByUser.merge(t.user, -1, Integer::sum);
                if (left <= 0) {
                    liveSessionsByUser.remove(t.user);
                    offlineAt.put(t.user, nowMillis + offlineGraceMillis);
                }
            }
            if (ended) {
                tracked.remove(id);
            }
            return done(
                    wasLive
                            ? PresenceResult.appended(PresenceResult.Status.LEFT, last)
                            : PresenceResult.of(PresenceResult.Status.UNCHANGED));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<List<String>> presenceOfflineDue(long nowMillis, int max) {
        lock.lock();
        try {
            List<String> out = new ArrayList<>();
            for (var it = offlineAt.entrySet().iterator(); it.hasNext() && out.size() < max; ) {
                Map.Entry<String, Long> e = it.next();
                if (e.getValue() <= nowMillis) {
                    it.remove();
                    out.add(e.getKey());
                }
            }
            return done(out);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<List<PresenceMember>> presenceMembers(String room) {
        lock.lock();
        try {
            Map<String, UserInRoom> users = presence.getOrDefault(room, Map.of());
            List<PresenceMember> out = new ArrayList<>(users.size());
            users.forEach((user, u) -> out.add(new PresenceMember(user, u.state, u.sessions)));
            return done(out);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Long> presenceCount(String room) {
        lock.lock();
        try {
            Map<String, UserInRoom> users = presence.get(room);
            return done(users == null ? 0L : users.size());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Long> tryAcquire(String key, double ratePerSecond, int burst, long nowMillis) {
        if ((++rateCalls & 1023) == 0) {
            buckets.evictIdle(nowMillis);
        }
        return done(buckets.tryAcquire(key, ratePerSecond, burst, nowMillis));
    }

    /** {@code false}: the sessions live in this instance's memory and end with it. */
    @Override
    public boolean sessionsOutliveInstance() {
        return false;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            appended.signalAll();
        } finally {
            lock.unlock();
        }
        for (Subscription s : subscriptions) {
            s.close();
        }
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    private static final class Session {
        SessionRecord record;
        long expiresAt;
        long membershipVersion;
        final Set<String> rooms = new LinkedHashSet<>();
        final Map<String, String> data = new HashMap<>();

        Session(SessionRecord record, long expiresAt) {
            this.record = record;
            this.expiresAt = expiresAt;
        }
    }

    private record KvEntry(String value, long expiresAt) {}

    /** A session's presence: its user, its tracked rooms with their state, its liveness deadline. */
    private static final class Tracked {
        final String user;
        final Map<String, String> rooms = new java.util.LinkedHashMap<>();
        long liveUntil; // 0: not live

        Tracked(String user) {
            this.user = user;
        }
    }

    /** A user in a room's presence: the state and the number of live sessions tracked there. */
    private static final class UserInRoom {
        String state;
        int sessions;

        UserInRoom(String state, int sessions) {
            this.state = state;
            this.sessions = sessions;
        }
    }

    /** Feeds one listener from a daemon thread, in order, in batches. */
    private final class Subscription implements LogSubscription {
        private static final int BATCH = 1024;
        private final LogListener listener;
        private final Thread thread;
        private final Object delivery = new Object();
        private volatile boolean stopped;
        private long position;

        Subscription(long afterPosition, LogListener listener) {
            this.position = afterPosition;
            this.listener = listener;
            this.thread = new Thread(this::run, "socket-serve-memory-log");
            this.thread.setDaemon(true);
        }

        private void run() {
            while (!stopped) {
                List<LogRecord> batch;
                long gapOldest = -1;
                lock.lock();
                try {
                    while (!stopped && !closed && head <= position) {
                        appended.awaitUninterruptibly();
                    }
                    if (stopped || closed) {
                        return;
                    }
                    if (position + 1 < oldestLocked()) {
                        gapOldest = oldestLocked();
                    }
                    batch = readLocked(position, BATCH);
                } finally {
                    lock.unlock();
                }
                try {
                    // Delivery happens under a lock close() also takes, so that no listener call
                    // starts after close() has returned.
                    synchronized (delivery) {
                        if (stopped) {
                            return;
                        }
                        if (gapOldest > 0) {
                            listener.onGap(position, gapOldest);
                        }
                        if (!batch.isEmpty()) {
                            position = batch.get(batch.size() - 1).position();
                            listener.onRecords(batch);
                        }
                    }
                } catch (RuntimeException e) {
                    // A listener bug must not stop delivery to it; the engine's listener only enqueues.
                    Thread t = Thread.currentThread();
                    t.getUncaughtExceptionHandler().uncaughtException(t, e);
                }
            }
        }

        /** Hands a volatile entry over at once, from the caller's thread. */
        void deliverVolatile(byte[] entry) {
            if (stopped) {
                return;
            }
            try {
                listener.onVolatile(entry);
            } catch (RuntimeException e) {
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
        }

        @Override
        public void close() {
            synchronized (delivery) {
                stopped = true;
            }
            subscriptions.remove(this);
            lock.lock();
            try {
                appended.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
