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
    public int partitions() {
        return keys.partitions();
    }

    @Override
    public CompletionStage<Long> append(byte[] entry) {
        return append(0, entry);
    }

    @Override
    public CompletionStage<Long> append(int partition, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        checkPartition(partition);
        return calls.script(Script.APPEND, partition, r -> calls.seen(partition, (Long) r), entry);
    }

    @Override
    public CompletionStage<LogSlice> read(long afterPosition, int max) {
        return read(0, afterPosition, max);
    }

    @Override
    public CompletionStage<LogSlice> read(int partition, long afterPosition, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        checkPartition(partition);
        return calls.script(
                Script.READ,
                partition,
                r -> {
                    List<Object> reply = Replies.list(r);
                    List<LogRecord> records = new ArrayList<>((reply.size() - 2) / 2);
                    for (int i = 2; i + 1 < reply.size(); i += 2) {
                        records.add(new LogRecord(
                                partition, Replies.position(Replies.string(reply.get(i))), (byte[]) reply.get(i + 1)));
                    }
                    long head = calls.seen(partition, Replies.number(reply.get(0)));
                    return new LogSlice(records, Replies.number(reply.get(1)), head);
                },
                bytes(Long.toString(Math.max(0, afterPosition))),
                bytes(Integer.toString(max)));
    }

    /** One {@code XREVRANGE … COUNT max} (in the script that also reads head and oldest). */
    @Override
    public CompletionStage<LogSlice> readBefore(long beforePosition, int max) {
        return readBefore(0, beforePosition, max);
    }

    @Override
    public CompletionStage<LogSlice> readBefore(int partition, long beforePosition, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        checkPartition(partition);
        return calls.script(
                Script.READ_BEFORE,
                partition,
                r -> {
                    List<Object> reply = Replies.list(r);
                    List<LogRecord> records = new ArrayList<>((reply.size() - 2) / 2);
                    for (int i = reply.size() - 2; i >= 2; i -= 2) { // newest first: reverse into log order
                        records.add(new LogRecord(
                                partition, Replies.position(Replies.string(reply.get(i))), (byte[]) reply.get(i + 1)));
                    }
                    long head = calls.seen(partition, Replies.number(reply.get(0)));
                    return new LogSlice(records, Replies.number(reply.get(1)), head);
                },
                // positions are far below 2^53, so Lua's numbers hold them exactly
                bytes(Long.toString(Math.max(0, Math.min(beforePosition, 1L << 53)))),
                bytes(Integer.toString(max)));
    }

    @Override
    public CompletionStage<Long> head() {
        return head(0);
    }

    @Override
    public CompletionStage<Long> head(int partition) {
        checkPartition(partition);
        return calls.newestPosition(partition).thenApply(h -> calls.seen(partition, h));
    }

    @Override
    public LogSubscription subscribe(long afterPosition, LogListener listener) {
        if (partitions() != 1) {
            throw new UnsupportedOperationException(
                    "the log has " + partitions() + " partitions: subscribe with a position per partition");
        }
        return subscribe(new long[] {afterPosition}, listener);
    }

    /**
     * One reader per partition (its own connection and thread, on a cluster to that partition's
     * master), delivering to {@code listener} one call at a time; the volatile channel is shared.
     * The listener hears the store unavailable as soon as one partition's reader is, and available
     * again once all of them are.
     */
    @Override
    public LogSubscription subscribe(long[] afterPositions, LogListener listener) {
        Objects.requireNonNull(listener, "listener == null");
        if (afterPositions.length != partitions()) {
            throw new IllegalArgumentException(
                    afterPositions.length + " positions for " + partitions() + " partitions");
        }
        LogListener serial = afterPositions.length == 1 ? listener : new SerialListener(listener);
        List<StreamSubscription> streams = new ArrayList<>(afterPositions.length);
        for (int p = 0; p < afterPositions.length; p++) {
            int partition = p;
            StreamSubscription[] self = new StreamSubscription[1];
            self[0] = calls.newSubscription(
                    p,
                    afterPositions[p],
                    serial,
                    position -> calls.seen(partition, position),
                    () -> subscriptions.remove(self[0]));
            subscriptions.add(self[0]);
            streams.add(self[0]);
        }
        VolatileChannel volatiles = calls.openVolatile(keys.volatileChannel(), serial);
        volatileChannels.add(volatiles);
        streams.forEach(StreamSubscription::start);
        return () -> {
            volatileChannels.remove(volatiles);
            volatiles.close();
            streams.forEach(StreamSubscription::close);
        };
    }

    private void checkPartition(int partition) {
        if (partition < 0 || partition >= partitions()) {
            throw new IllegalArgumentException("no partition " + partition + " (the log has " + partitions() + ")");
        }
    }

    /**
     * The listener of a many-partition subscription: the readers of the partitions call it from their
     * own threads, one call at a time here; availability is reported as the worst of theirs.
     */
    private static final class SerialListener implements LogListener {
        private final LogListener listener;
        private int unavailable;

        SerialListener(LogListener listener) {
            this.listener = listener;
        }

        @Override
        public synchronized void onRecords(List<LogRecord> records) {
            listener.onRecords(records);
        }

        @Override
        public synchronized void onGap(int partition, long afterPosition, long oldestPosition) {
            listener.onGap(partition, afterPosition, oldestPosition);
        }

        @Override
        public synchronized void onVolatile(byte[] entry) {
            listener.onVolatile(entry);
        }

        @Override
        public synchronized void onAvailability(boolean available) {
            // each reader reports a change of its own state once: false, then true
            unavailable += available ? -1 : 1;
            if (available ? unavailable == 0 : unavailable == 1) {
                listener.onAvailability(available);
            }
        }
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
