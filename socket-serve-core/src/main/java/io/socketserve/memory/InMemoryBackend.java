package io.socketserve.memory;

import io.socketserve.internal.TokenBuckets;
import io.socketserve.spi.Backend;
import io.socketserve.spi.JoinResult;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.LogSlice;
import io.socketserve.spi.LogSubscription;
import io.socketserve.spi.MembershipSnapshot;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.SessionRecord;
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
 * O(1) or O(size of the answer) except {@link #expiredSessions}, which scans the sessions. The log
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
    private final Map<String, KvEntry> kv = new HashMap<>();
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
            Session s = sessions.remove(id);
            if (s == null) {
                return done(null);
            }
            for (String room : s.rooms) {
                removeMember(room, id);
            }
            long position = appendLocked(entry);
            return done(new RemovedSession(s.record, s.rooms, s.data, position));
        } finally {
            lock.unlock();
        }
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

    @Override
    public CompletionStage<Long> tryAcquire(String key, double ratePerSecond, int burst, long nowMillis) {
        if ((++rateCalls & 1023) == 0) {
            buckets.evictIdle(nowMillis);
        }
        return done(buckets.tryAcquire(key, ratePerSecond, burst, nowMillis));
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
