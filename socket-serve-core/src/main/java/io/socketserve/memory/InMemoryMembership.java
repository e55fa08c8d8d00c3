package io.socketserve.memory;

import io.socketserve.spi.JoinResult;
import io.socketserve.spi.MembershipSnapshot;
import io.socketserve.spi.MembershipStore;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link MembershipStore} of {@link InMemoryBackend}: each session's rooms and version on its
 * {@link SessionEntry}, each room's members in the {@link RoomIndex}, both changed together with
 * the log entry under the backend's one lock.
 */
final class InMemoryMembership implements MembershipStore {

    private final ReentrantLock lock;
    private final InMemoryLog log;
    private final InMemorySessions sessions;
    private final RoomIndex rooms;

    InMemoryMembership(ReentrantLock lock, InMemoryLog log, InMemorySessions sessions, RoomIndex rooms) {
        this.lock = lock;
        this.log = log;
        this.sessions = sessions;
        this.rooms = rooms;
    }

    @Override
    public CompletionStage<JoinResult> join(String id, String room, int maxRooms, byte[] entry) {
        lock.lock();
        try {
            SessionEntry s = sessions.getLocked(id);
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
            rooms.add(room, id);
            long position = log.appendLocked(room, entry);
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
            SessionEntry s = sessions.getLocked(id);
            if (s == null) {
                return done(JoinResult.of(JoinResult.Status.NO_SESSION));
            }
            if (!s.rooms.remove(room)) {
                return done(JoinResult.of(JoinResult.Status.UNCHANGED));
            }
            rooms.remove(room, id);
            long position = log.appendLocked(room, entry);
            s.membershipVersion = position;
            return done(JoinResult.changed(position));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<MembershipSnapshot> membership(String id) {
        lock.lock();
        try {
            SessionEntry s = sessions.getLocked(id);
            if (s == null) {
                return done(MembershipSnapshot.missing());
            }
            if (log.partitions() > 1) {
                // every change of the session so far is in the rooms: the heads are a correct version
                return done(new MembershipSnapshot(true, s.rooms, log.headsLocked()));
            }
            return done(
                    new MembershipSnapshot(true, s.rooms, Math.max(s.membershipVersion, s.record.createdPosition())));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Set<String>> roomMembers(String room) {
        lock.lock();
        try {
            return done(Set.copyOf(rooms.members(room)));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Long> roomSize(String room) {
        lock.lock();
        try {
            return done((long) rooms.members(room).size());
        } finally {
            lock.unlock();
        }
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
