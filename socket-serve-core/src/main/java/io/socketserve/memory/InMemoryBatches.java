package io.socketserve.memory;

import io.socketserve.spi.BatchEntries;
import io.socketserve.spi.BatchOperations;
import io.socketserve.spi.MembershipBatchResult;
import io.socketserve.spi.MembershipChange;
import io.socketserve.spi.RemovalBatchResult;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.Selection;
import io.socketserve.spi.SessionSnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link BatchOperations} of {@link InMemoryBackend}, each one step under the backend's one
 * lock: O(sessions examined × rooms), holding the lock throughout. Not a {@link BatchOperations}
 * itself (that interface includes the session and membership parts): the backend delegates these
 * five methods here.
 */
final class InMemoryBatches {

    private final ReentrantLock lock;
    private final InMemoryLog log;
    private final InMemorySessions sessions;
    private final RoomIndex rooms;

    InMemoryBatches(ReentrantLock lock, InMemoryLog log, InMemorySessions sessions, RoomIndex rooms) {
        this.lock = lock;
        this.log = log;
        this.sessions = sessions;
        this.rooms = rooms;
    }

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
            candidates.addAll(sessions.idsLocked(selection.namespace()));
        } else {
            for (String room : selection.rooms()) {
                String id = selection.idOf(room);
                if (id != null) {
                    candidates.add(id);
                }
                candidates.addAll(rooms.members(room));
            }
        }
        List<String> out = new ArrayList<>();
        for (String id : candidates) {
            SessionEntry s = sessions.getLocked(id);
            if (s == null
                    || !s.record.namespace().equals(selection.namespace())
                    || exceptIds.contains(id)
                    || s.inAny(selection.exceptRooms())) {
                continue;
            }
            if (out.size() == selection.max()) {
                return new Selected(out, true);
            }
            out.add(id);
        }
        return new Selected(out, false);
    }

    CompletionStage<List<String>> selectSessions(Selection selection) {
        lock.lock();
        try {
            return done(selectLocked(selection).ids());
        } finally {
            lock.unlock();
        }
    }

    CompletionStage<List<SessionSnapshot>> sessionSnapshots(Collection<String> ids) {
        lock.lock();
        try {
            List<SessionSnapshot> out = new ArrayList<>();
            for (String id : new LinkedHashSet<>(ids)) {
                SessionEntry s = sessions.getLocked(id);
                if (s != null) {
                    out.add(new SessionSnapshot(s.record, s.rooms, s.data));
                }
            }
            return done(out);
        } finally {
            lock.unlock();
        }
    }

    CompletionStage<MembershipBatchResult> changeSelected(
            Selection selection, List<String> roomKeys, int maxRooms, boolean join, byte[] entryPrefix) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        Set<String> distinct = new LinkedHashSet<>(roomKeys);
        lock.lock();
        try {
            Selected selected = selectLocked(selection);
            List<MembershipChange> changes = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            Set<SessionEntry> changed = new HashSet<>();
            for (String id : selected.ids()) {
                SessionEntry s = Objects.requireNonNull(sessions.getLocked(id));
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
                        rooms.add(room, id);
                    } else {
                        if (!s.rooms.remove(room)) {
                            continue;
                        }
                        rooms.remove(room, id);
                    }
                    changes.add(new MembershipChange(id, room, join));
                    changed.add(s);
                }
            }
            long position = 0;
            if (!changes.isEmpty()) {
                // one entry per partition the changes touch (a room's changes go to the room's partition)
                for (List<MembershipChange> part : byPartition(changes, c -> c.room())) {
                    position = log.appendLocked(part.get(0).room(), BatchEntries.membership(entryPrefix, part));
                }
                for (SessionEntry s : changed) {
                    s.membershipVersion = position;
                }
            }
            return done(new MembershipBatchResult(changes, skipped, position, selected.truncated()));
        } finally {
            lock.unlock();
        }
    }

    CompletionStage<RemovalBatchResult> removeSelected(Selection selection, byte[] entryPrefix, String reason) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        Objects.requireNonNull(reason, "reason == null");
        lock.lock();
        try {
            Selected selected = selectLocked(selection);
            if (selected.ids().isEmpty()) {
                return done(new RemovalBatchResult(List.of(), 0, selected.truncated()));
            }
            List<SessionEntry> removed = new ArrayList<>();
            for (String id : selected.ids()) {
                removed.add(Objects.requireNonNull(sessions.removeLocked(id)));
            }
            long position = 0;
            // one entry per partition the sessions fall into (a session's entries go to its partition)
            for (List<String> part : byPartition(selected.ids(), id -> id)) {
                position = log.appendLocked(part.get(0), BatchEntries.removal(entryPrefix, part, reason));
            }
            List<RemovedSession> out = new ArrayList<>(removed.size());
            for (SessionEntry s : removed) {
                out.add(new RemovedSession(s.record, s.rooms, s.data, position));
            }
            return done(new RemovalBatchResult(out, position, selected.truncated()));
        } finally {
            lock.unlock();
        }
    }

    /** The items grouped by the partition of their key, in first-seen order, each group in order. */
    private <T> java.util.Collection<List<T>> byPartition(List<T> items, java.util.function.Function<T, String> key) {
        int partitions = log.partitions();
        if (partitions == 1) {
            return List.of(items);
        }
        java.util.Map<Integer, List<T>> groups = new java.util.LinkedHashMap<>();
        for (T item : items) {
            groups.computeIfAbsent(
                            io.socketserve.spi.Partitions.of(key.apply(item), partitions), p -> new ArrayList<>())
                    .add(item);
        }
        return groups.values();
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
