package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.bytes;

import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.EventClaim;
import io.socketserve.spi.EventLedger;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The {@link EventLedger} of {@link RedisBackend}: one hash per session, {@code ev:<id>}, expiring
 * with the session record and deleted with it. Each operation is one script; {@link #appendOnce}
 * appends through the prelude's {@code append} in the same script, so the check and the append are
 * one step.
 */
final class RedisEvents implements EventLedger {

    private final RedisCalls calls;

    RedisEvents(RedisCalls calls) {
        this.calls = calls;
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
        return calls.script(
                Script.CLAIM_EVENT,
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
        return calls.script(Script.SETTLE_EVENT, r -> null, args);
    }

    @Override
    public CompletionStage<Long> appendOnce(String sessionId, long seq, int n, byte[] entry) {
        Objects.requireNonNull(sessionId, "sessionId == null");
        Objects.requireNonNull(entry, "entry == null");
        if (n < 1) {
            throw new IllegalArgumentException("n < 1: " + n);
        }
        return calls.script(
                Script.APPEND_ONCE,
                r -> calls.seen((Long) r),
                bytes(sessionId),
                bytes(Long.toString(seq)),
                bytes(Integer.toString(n)),
                entry);
    }
}
