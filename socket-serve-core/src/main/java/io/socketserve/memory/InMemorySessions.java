package io.socketserve.memory;

import io.socketserve.spi.LogPosition;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.SessionRecord;
import io.socketserve.spi.SessionStore;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The {@link SessionStore} of {@link InMemoryBackend}: the {@link SessionEntry} of each session and
 * an index of sessions by namespace and one by expiry, behind the backend's one lock. Everything is
 * O(1), O(log n) or O(size of the answer · log n): {@link #expiredSessions} reads the expiry-ordered
 * {@link DeadlineIndex} instead of scanning the sessions (issue 13).
 *
 * <p>A removal deletes the session's memberships from the {@link RoomIndex} and appends its entry
 * to the {@link InMemoryLog} under that lock, in one step.
 */
final class InMemorySessions implements SessionStore {

    private final ReentrantLock lock;
    private final InMemoryLog log;
    private final RoomIndex rooms;
    private final Map<String, SessionEntry> sessions = new HashMap<>();
    private final Map<String, Set<String>> namespaces = new HashMap<>(); // namespace -> session ids
    private final DeadlineIndex expiry = new DeadlineIndex(); // session id -> expiresAt

    InMemorySessions(ReentrantLock lock, InMemoryLog log, RoomIndex rooms) {
        this.lock = lock;
        this.log = log;
        this.rooms = rooms;
    }

    /** The session's entry, or {@code null}; the caller holds the lock. */
    @Nullable
    SessionEntry getLocked(String id) {
        return sessions.get(id);
    }

    /** The ids of the namespace's sessions, in creation order; the caller holds the lock. */
    Set<String> idsLocked(String namespace) {
        return namespaces.getOrDefault(namespace, Set.of());
    }

    @Override
    public CompletionStage<Long> createSession(SessionRecord session, long expiresAtMillis) {
        return createSessionAt(session, expiresAtMillis).thenApply(head -> head.get(0));
    }

    /** Creates the session; completes with the heads of every partition, read under the same lock. */
    CompletionStage<LogPosition> createSessionAt(SessionRecord session, long expiresAtMillis) {
        lock.lock();
        try {
            if (sessions.containsKey(session.id())) {
                return CompletableFuture.failedFuture(new IllegalStateException("duplicate session id"));
            }
            LogPosition head = log.headsLocked();
            SessionRecord created = session.withCreatedAt(head);
            sessions.put(session.id(), new SessionEntry(created));
            expiry.set(session.id(), expiresAtMillis);
            namespaces
                    .computeIfAbsent(session.namespace(), n -> new LinkedHashSet<>())
                    .add(session.id());
            return done(head);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Long> createSessionIfRoom(SessionRecord session, long expiresAtMillis, long maxSessions) {
        lock.lock();
        try {
            return sessions.size() >= maxSessions
                    ? done(-1L)
                    : createSession(session, expiresAtMillis); // the lock is reentrant
        } finally {
            lock.unlock();
        }
    }

    /** The count and the creation happen under {@code lock}. */
    @Override
    public boolean admitsAtomically() {
        return true;
    }

    @Override
    public CompletionStage<@Nullable LogPosition> createSessionIfRoomAt(
            SessionRecord session, long expiresAtMillis, long maxSessions) {
        lock.lock();
        try {
            return sessions.size() >= maxSessions
                    ? done(null)
                    : createSessionAt(session, expiresAtMillis); // the lock is reentrant
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<@Nullable SessionRecord> findSession(String id) {
        lock.lock();
        try {
            SessionEntry s = sessions.get(id);
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
                if (sessions.containsKey(id)) {
                    expiry.set(id, expiresAtMillis);
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
            return done(expiry.due(nowMillis, max));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Void> setCursor(String id, long position) {
        return setCursor(id, LogPosition.of(position));
    }

    @Override
    public CompletionStage<Void> setCursor(String id, LogPosition position) {
        lock.lock();
        try {
            SessionEntry s = sessions.get(id);
            if (s != null) {
                s.record = s.record.withCursorAt(position);
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
            SessionEntry s = removeLocked(id);
            if (s == null) {
                return done(null);
            }
            long position = log.appendLocked(id, entry);
            return done(new RemovedSession(s.record, s.rooms, s.data, position));
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the session and its memberships; the caller holds the lock and appends the entry. */
    @Nullable
    SessionEntry removeLocked(String id) {
        SessionEntry s = sessions.remove(id);
        if (s == null) {
            return null;
        }
        expiry.remove(id);
        for (String room : s.rooms) {
            rooms.remove(room, id);
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

    // -------------------------------------------------------------------------------- session data

    @Override
    public CompletionStage<@Nullable String> getData(String id, String key) {
        lock.lock();
        try {
            SessionEntry s = sessions.get(id);
            return done(s == null ? null : s.data.get(key));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Map<String, String>> getAllData(String id) {
        lock.lock();
        try {
            SessionEntry s = sessions.get(id);
            return done(s == null ? Map.of() : Map.copyOf(s.data));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Boolean> putData(String id, String key, @Nullable String value) {
        lock.lock();
        try {
            SessionEntry s = sessions.get(id);
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
            SessionEntry s = sessions.get(id);
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

    /** {@code false}: the sessions live in this instance's memory and end with it. */
    @Override
    public boolean sessionsOutliveInstance() {
        return false;
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
