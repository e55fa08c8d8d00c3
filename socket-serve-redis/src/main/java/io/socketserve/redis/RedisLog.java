package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.bytes;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.redis.internal.StreamSubscription;
import io.socketserve.redis.internal.VolatileChannel;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.LogSlice;
import io.socketserve.spi.LogStore;
import io.socketserve.spi.LogSubscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link LogStore} of {@link RedisBackend}: a Redis Stream whose entry ids are {@code
 * 0-<position>}, positions coming from a counter; appends and reads are scripts that also keep the
 * floor and the {@code MAXLEN}. Each subscription gets its own connection and a daemon thread
 * running {@code XREAD BLOCK}, plus a Pub/Sub channel for the volatile entries.
 */
final class RedisLog implements LogStore {

    private final RedisCalls calls;
    private final Keys keys;
    private final Set<StreamSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final Set<VolatileChannel> volatileChannels = ConcurrentHashMap.newKeySet();

    RedisLog(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
    }

    @Override
    public CompletionStage<Long> append(byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        return calls.script(Script.APPEND, r -> calls.seen((Long) r), entry);
    }

    @Override
    public CompletionStage<LogSlice> read(long afterPosition, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        return calls.script(
                Script.READ,
                r -> {
                    List<Object> reply = Replies.list(r);
                    List<LogRecord> records = new ArrayList<>((reply.size() - 2) / 2);
                    for (int i = 2; i + 1 < reply.size(); i += 2) {
                        records.add(new LogRecord(
                                Replies.position(Replies.string(reply.get(i))), (byte[]) reply.get(i + 1)));
                    }
                    long head = calls.seen(Replies.number(reply.get(0)));
                    return new LogSlice(records, Replies.number(reply.get(1)), head);
                },
                bytes(Long.toString(Math.max(0, afterPosition))),
                bytes(Integer.toString(max)));
    }

    /** One {@code XREVRANGE … COUNT max} (in the script that also reads head and oldest). */
    @Override
    public CompletionStage<LogSlice> readBefore(long beforePosition, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        return calls.script(
                Script.READ_BEFORE,
                r -> {
                    List<Object> reply = Replies.list(r);
                    List<LogRecord> records = new ArrayList<>((reply.size() - 2) / 2);
                    for (int i = reply.size() - 2; i >= 2; i -= 2) { // newest first: reverse into log order
                        records.add(new LogRecord(
                                Replies.position(Replies.string(reply.get(i))), (byte[]) reply.get(i + 1)));
                    }
                    long head = calls.seen(Replies.number(reply.get(0)));
                    return new LogSlice(records, Replies.number(reply.get(1)), head);
                },
                // positions are far below 2^53, so Lua's numbers hold them exactly
                bytes(Long.toString(Math.max(0, Math.min(beforePosition, 1L << 53)))),
                bytes(Integer.toString(max)));
    }

    @Override
    public CompletionStage<Long> head() {
        return calls.newestPosition().thenApply(calls::seen);
    }

    @Override
    public LogSubscription subscribe(long afterPosition, LogListener listener) {
        Objects.requireNonNull(listener, "listener == null");
        StreamSubscription[] self = new StreamSubscription[1];
        self[0] = calls.newSubscription(
                keys.log(), afterPosition, listener, calls::seen, () -> subscriptions.remove(self[0]));
        subscriptions.add(self[0]);
        VolatileChannel volatiles = calls.openVolatile(keys.volatileChannel(), listener);
        volatileChannels.add(volatiles);
        LogSubscription stream = self[0].start();
        return () -> {
            volatileChannels.remove(volatiles);
            volatiles.close();
            stream.close();
        };
    }

    @Override
    public CompletionStage<Void> publishVolatile(byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        return calls.call(() -> calls.commands().publish(keys.volatileChannel(), entry), r -> null);
    }

    /** Stops every subscription (and its volatile channel), waiting up to five seconds for each. */
    void closeSubscriptions() {
        new ArrayList<>(volatileChannels).forEach(VolatileChannel::close);
        volatileChannels.clear();
        List<StreamSubscription> subs = new ArrayList<>(subscriptions);
        subs.forEach(StreamSubscription::close);
        for (StreamSubscription s : subs) {
            try {
                s.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }
}
