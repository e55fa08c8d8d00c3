package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.bytes;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.EventClaim;
import io.socketserve.spi.EventLedger;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The {@link EventLedger} of {@link RedisBackend}: one hash per session, {@code ev:<id>}, expiring
 * with the session record and deleted with it. Each operation is one script; {@link #appendOnce}
 * appends through the prelude's {@code append} in the same script, so the check and the append are
 * one step.
 *
 * <p>With a partitioned log the ledger lives in the session's partition. An {@link #appendOnce
 * appendOnce} into that partition works as above; one into another partition cannot read the ledger
 * (a script touches one partition), so the positions of the event's appends into partition {@code p}
 * are recorded in {@code p} itself, in {@code ao:<id>} (append_once_at.lua): the check and the append
 * are still one step. That record keeps the newest {@code window} sequence numbers (the largest
 * window this instance claimed with, at least {@value #MIN_APPEND_WINDOW}; a claim always precedes
 * the appends of an event) and expires {@link #APPEND_RECORD_TTL_MS} ms after its last write; a
 * removal of the session leaves it to expire. It dedups every append of a sequence number in that
 * window, also one the ledger no longer holds; such an event is answered {@code STALE} by the
 * ledger and does not run again anyway.
 */
final class RedisEvents implements EventLedger {

    /** The fewest sequence numbers the record of appends into another partition keeps. */
    static final int MIN_APPEND_WINDOW = 64;

    /**
     * How long the record of an event's appends into another partition outlives its last write: far
     * longer than a client retries an event within a session's timeout.
     */
    static final long APPEND_RECORD_TTL_MS = Duration.ofHours(1).toMillis();

    private final RedisCalls calls;
    private final Keys keys;
    private final AtomicInteger window = new AtomicInteger(MIN_APPEND_WINDOW);

    RedisEvents(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
    }

    @Override
    public CompletionStage<EventClaim> claimEvent(
            String sessionId, long seq, String attempt, int window, long nowMillis, long leaseMillis) {
        Objects.requireNonNull(sessionId, "sessionId == null");
        Objects.requireNonNull(attempt, "attempt == null");
        if (seq < 1) {
            throw new IllegalArgumentException("seq < 1: " + seq);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window < 1: " + window);
        }
        this.window.accumulateAndGet(window, Math::max);
        return calls.script(
                Script.CLAIM_EVENT,
                keys.sessionPartition(sessionId),
                r -> {
                    List<Object> reply = Replies.list(r);
                    return switch ((int) Replies.number(reply.get(0))) {
                        case 0 -> EventClaim.claimed();
                        case 1 -> EventClaim.running();
                        case 2 -> EventClaim.answered((byte[]) reply.get(1));
                        case 3 -> EventClaim.stale();
                        default -> EventClaim.unknownSession();
                    };
                },
                bytes(sessionId),
                bytes(Long.toString(seq)),
                bytes(Integer.toString(window)),
                bytes(Long.toString(nowMillis)),
                bytes(Long.toString(leaseMillis)),
                bytes(attempt));
    }

    @Override
    public CompletionStage<Void> settleEvent(String sessionId, long seq, String attempt, byte @Nullable [] answer) {
        Objects.requireNonNull(sessionId, "sessionId == null");
        Objects.requireNonNull(attempt, "attempt == null");
        byte[][] args = answer == null
                ? new byte[][] {bytes(sessionId), bytes(Long.toString(seq)), bytes(attempt)}
                : new byte[][] {bytes(sessionId), bytes(Long.toString(seq)), bytes(attempt), answer};
        return calls.script(Script.SETTLE_EVENT, keys.sessionPartition(sessionId), r -> null, args);
    }

    /** Into partition 0 (the only one of a single-partition log). */
    @Override
    public CompletionStage<Long> appendOnce(String sessionId, long seq, int n, byte[] entry) {
        return appendOnce(0, sessionId, seq, n, entry);
    }

    @Override
    public CompletionStage<Long> appendOnce(int partition, String sessionId, long seq, int n, byte[] entry) {
        Objects.requireNonNull(sessionId, "sessionId == null");
        Objects.requireNonNull(entry, "entry == null");
        if (n < 1) {
            throw new IllegalArgumentException("n < 1: " + n);
        }
        if (partition < 0 || partition >= keys.partitions()) {
            throw new IllegalArgumentException(
                    "no partition " + partition + " (the log has " + keys.partitions() + ")");
        }
        if (partition == keys.sessionPartition(sessionId)) {
            return calls.script(
                    Script.APPEND_ONCE,
                    partition,
                    r -> calls.seen(partition, (Long) r),
                    bytes(sessionId),
                    bytes(Long.toString(seq)),
                    bytes(Integer.toString(n)),
                    entry);
        }
        return calls.script(
                Script.APPEND_ONCE_AT,
                partition,
                r -> calls.seen(partition, (Long) r),
                bytes(sessionId),
                bytes(Long.toString(seq)),
                bytes(Integer.toString(n)),
                entry,
                bytes(Integer.toString(window.get())),
                bytes(Long.toString(APPEND_RECORD_TTL_MS)));
    }
}
