package io.socketserve.memory;

import io.socketserve.spi.PresenceMember;
import io.socketserve.spi.PresenceResult;
import io.socketserve.spi.PresenceStore;
import io.socketserve.spi.SessionPresence;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The {@link PresenceStore} of {@link InMemoryBackend}: each tracked session's user, rooms and
 * liveness deadline, each room's present users, each user's live session count and offline time,
 * behind the backend's one lock (operations check the session and append their entries in the same
 * step). The live sessions' deadlines and the users' offline times sit in {@link DeadlineIndex}es,
 * so {@link #presenceLapsed} and {@link #presenceOfflineDue} cost O(answer · log n) rather than a
 * scan (issue 13). Every change of {@code Tracked.liveUntil} goes through {@link #setLiveUntilLocked}
 * to keep the index in step.
 */
final class InMemoryPresence implements PresenceStore {

    private final ReentrantLock lock;
    private final InMemoryLog log;
    private final InMemorySessions sessions;
    private final Map<String, Tracked> tracked = new HashMap<>(); // session id -> its presence
    private final Map<String, Map<String, UserInRoom>> presence = new HashMap<>(); // room -> user -> entry
    private final Map<String, Integer> liveSessionsByUser = new HashMap<>();
    private final DeadlineIndex liveUntil = new DeadlineIndex(); // live session id -> deadline
    private final DeadlineIndex offlineAt = new DeadlineIndex(); // user -> when offline is due

    InMemoryPresence(ReentrantLock lock, InMemoryLog log, InMemorySessions sessions) {
        this.lock = lock;
        this.log = log;
        this.sessions = sessions;
    }

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
            if (sessions.getLocked(id) == null) {
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
                becomeLiveLocked(id, t, liveUntilMillis);
            } else {
                setLiveUntilLocked(id, t, Math.max(t.liveUntil, liveUntilMillis));
            }
            boolean counted = t.rooms.containsKey(room);
            t.rooms.put(room, state);
            Map<String, UserInRoom> users = presence.computeIfAbsent(room, r -> new HashMap<>());
            UserInRoom u = users.get(user);
            if (u == null) {
                users.put(user, new UserInRoom(state, 1));
                return done(PresenceResult.appended(PresenceResult.Status.JOINED, log.appendLocked(room, joinEntry)));
            }
            if (!counted) {
                u.sessions++;
            }
            if (updateEntry != null && !u.state.equals(state)) {
                u.state = state;
                return done(
                        PresenceResult.appended(PresenceResult.Status.UPDATED, log.appendLocked(room, updateEntry)));
            }
            return done(PresenceResult.of(PresenceResult.Status.UNCHANGED));
        } finally {
            lock.unlock();
        }
    }

    private void becomeLiveLocked(String id, Tracked t, long liveUntilMillis) {
        setLiveUntilLocked(id, t, liveUntilMillis);
        liveSessionsByUser.merge(t.user, 1, Integer::sum);
        offlineAt.remove(t.user);
    }

    /** Sets the session's liveness deadline (0: not live) and its place in the index. */
    private void setLiveUntilLocked(String id, Tracked t, long until) {
        t.liveUntil = until;
        if (until == 0) {
            liveUntil.remove(id);
        } else {
            liveUntil.set(id, until);
        }
    }

    @Override
    public CompletionStage<PresenceResult> presenceRevive(
            String id, Map<String, byte[]> joinEntries, long liveUntilMillis) {
        lock.lock();
        try {
            if (sessions.getLocked(id) == null) {
                return done(PresenceResult.of(PresenceResult.Status.NO_SESSION));
            }
            Tracked t = tracked.get(id);
            if (t == null) {
                return done(PresenceResult.of(PresenceResult.Status.NOT_TRACKED));
            }
            if (t.liveUntil != 0) {
                setLiveUntilLocked(id, t, Math.max(t.liveUntil, liveUntilMillis));
                return done(PresenceResult.of(PresenceResult.Status.UNCHANGED));
            }
            if (!t.rooms.keySet().equals(joinEntries.keySet())) {
                return done(PresenceResult.of(PresenceResult.Status.RETRY));
            }
            becomeLiveLocked(id, t, liveUntilMillis);
            long last = 0;
            for (Map.Entry<String, String> room : t.rooms.entrySet()) {
                Map<String, UserInRoom> users = presence.computeIfAbsent(room.getKey(), r -> new HashMap<>());
                UserInRoom u = users.get(t.user);
                if (u == null) {
                    users.put(t.user, new UserInRoom(room.getValue(), 1));
                    last = log.appendLocked(room.getKey(), joinEntries.get(room.getKey()));
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
            if (sessions.getLocked(id) == null) {
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
            return done(PresenceResult.appended(PresenceResult.Status.UPDATED, log.appendLocked(room, updateEntry)));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<PresenceResult> presenceLeave(String id, String room, byte[] leaveEntry) {
        lock.lock();
        try {
            if (sessions.getLocked(id) == null) {
                return done(PresenceResult.of(PresenceResult.Status.NO_SESSION));
            }
            Tracked t = tracked.get(id);
            if (t == null || t.rooms.remove(room) == null) {
                return done(PresenceResult.of(PresenceResult.Status.NOT_TRACKED));
            }
            if (t.liveUntil != 0 && leaveRoomLocked(room, t.user)) {
                return done(PresenceResult.appended(PresenceResult.Status.LEFT, log.appendLocked(room, leaveEntry)));
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
                    setLiveUntilLocked(id, t, Math.max(t.liveUntil, liveUntilMillis));
                } else if (sessions.getLocked(id) != null) {
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
            return done(liveUntil.due(nowMillis, max));
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
            boolean ended = sessions.getLocked(id) == null;
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
                        last = log.appendLocked(room, leaveEntries.get(room));
                    }
                }
                setLiveUntilLocked(id, t, 0);
                int left = liveSessionsByUser.merge(t.user, -1, Integer::sum);
                if (left <= 0) {
                    liveSessionsByUser.remove(t.user);
                    offlineAt.set(t.user, nowMillis + offlineGraceMillis);
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
            return done(offlineAt.takeDue(nowMillis, max));
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

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    /** A session's presence: its user, its tracked rooms with their state, its liveness deadline. */
    private static final class Tracked {
        final String user;
        final Map<String, String> rooms = new LinkedHashMap<>();
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
}
