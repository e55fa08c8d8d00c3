package io.socketserve.memory;

import io.socketserve.spi.EventClaim;
import io.socketserve.spi.EventLedger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The {@link EventLedger} of {@link InMemoryBackend}: each session's ledger hangs off its {@link
 * SessionEntry}, so a removal takes it along, and the log appends happen under the backend's one
 * lock, so {@link #appendOnce} is atomic with the log.
 */
final class InMemoryEvents implements EventLedger {

    /** One session's ledger; guarded by the backend's lock. */
    static final class Ledger {
        long highest;
        /** seq → {@link Lease} or answer (byte[]). */
        final Map<Long, Object> slots = new HashMap<>();
        /** seq → positions of its appends, by their number (1 = index 0). */
        final Map<Long, List<Long>> appends = new HashMap<>();

        void forgetUpTo(long seq) {
            if (slots.size() + appends.size() == 0) {
                return;
            }
            slots.keySet().removeIf(s -> s <= seq);
            for (Iterator<Long> it = appends.keySet().iterator(); it.hasNext(); ) {
                if (it.next() <= seq) {
                    it.remove();
                }
            }
        }
    }

    /** A running attempt's claim. */
    record Lease(long end, String attempt) {}

    private final ReentrantLock lock;
    private final InMemoryLog log;
    private final InMemorySessions sessions;

    InMemoryEvents(ReentrantLock lock, InMemoryLog log, InMemorySessions sessions) {
        this.lock = lock;
        this.log = log;
        this.sessions = sessions;
    }

    @Override
    public CompletionStage<EventClaim> claimEvent(
            String sessionId, long seq, String attempt, int window, long nowMillis, long leaseMillis) {
        check(seq, window);
        Objects.requireNonNull(attempt, "attempt == null");
        lock.lock();
        try {
            SessionEntry entry = sessions.getLocked(sessionId);
            if (entry == null) {
                return CompletableFuture.completedFuture(EventClaim.unknownSession());
            }
            Ledger ledger = entry.events;
            if (ledger == null) {
                ledger = entry.events = new Ledger();
            }
            if (seq <= ledger.highest - window) {
                return CompletableFuture.completedFuture(EventClaim.stale());
            }
            Object slot = ledger.slots.get(seq);
            if (slot instanceof byte[] answer) {
                return CompletableFuture.completedFuture(EventClaim.answered(answer));
            }
            if (slot instanceof Lease lease && lease.end() > nowMillis) {
                return CompletableFuture.completedFuture(EventClaim.running());
            }
            if (seq > ledger.highest) {
                ledger.highest = seq;
                ledger.forgetUpTo(seq - window);
            }
            ledger.slots.put(seq, new Lease(nowMillis + leaseMillis, attempt));
            return CompletableFuture.completedFuture(EventClaim.claimed());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Void> settleEvent(String sessionId, long seq, String attempt, byte @Nullable [] answer) {
        lock.lock();
        try {
            SessionEntry entry = sessions.getLocked(sessionId);
            Ledger ledger = entry == null ? null : entry.events;
            if (ledger != null
                    && ledger.slots.get(seq) instanceof Lease lease
                    && lease.attempt().equals(attempt)) {
                if (answer == null) {
                    ledger.slots.remove(seq);
                } else {
                    ledger.slots.put(seq, answer.clone());
                }
            }
            return CompletableFuture.completedFuture(null);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Long> appendOnce(String sessionId, long seq, int n, byte[] entry) {
        return appendOnce(0, sessionId, seq, n, entry);
    }

    /**
     * The ledger remembers each append's position in its own partition: a repeat of append {@code n}
     * goes to the same partition (the engine routes the same entry the same way).
     */
    @Override
    public CompletionStage<Long> appendOnce(int partition, String sessionId, long seq, int n, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        if (n < 1) {
            throw new IllegalArgumentException("n < 1: " + n);
        }
        lock.lock();
        try {
            SessionEntry session = sessions.getLocked(sessionId);
            Ledger ledger = session == null ? null : session.events;
            if (ledger == null || !ledger.slots.containsKey(seq)) {
                // no ledger for this event (session gone, or out of the window): a plain append
                return CompletableFuture.completedFuture(log.appendLocked(partition, entry));
            }
            List<Long> positions = ledger.appends.computeIfAbsent(seq, s -> new ArrayList<>(2));
            if (n <= positions.size() && positions.get(n - 1) > 0) {
                return CompletableFuture.completedFuture(positions.get(n - 1));
            }
            long position = log.appendLocked(partition, entry);
            while (positions.size() < n) {
                positions.add(0L); // 0: not appended (yet)
            }
            positions.set(n - 1, position);
            return CompletableFuture.completedFuture(position);
        } finally {
            lock.unlock();
        }
    }

    private static void check(long seq, int window) {
        if (seq < 1) {
            throw new IllegalArgumentException("seq < 1: " + seq);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window < 1: " + window);
        }
    }
}
