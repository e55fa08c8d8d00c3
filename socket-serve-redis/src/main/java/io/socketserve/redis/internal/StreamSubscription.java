package io.socketserve.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.LogSubscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code subscribe}: a dedicated connection and daemon thread running {@code XREAD BLOCK} on the
 * log stream, delivering each batch to the listener in order, one call at a time.
 *
 * <p>States: <em>connecting</em> → <em>reading</em> ⇄ <em>retrying</em> → <em>closed</em>. A failed
 * read reports {@code onAvailability(false)} once and retries with a backoff of {@value #MIN_BACKOFF_MS}
 * ms doubling up to {@value #MAX_BACKOFF_MS} ms; the first successful read after that reports {@code
 * onAvailability(true)} and continues after the last delivered position. Positions are contiguous
 * (see {@code prelude.lua}), so a first record beyond {@code last + 1} means the entries between were
 * trimmed or lost: {@code onGap} is reported before it.
 *
 * <p>How connections are made is the {@link Connector}'s: one standalone connection that Lettuce
 * reconnects, or (Redis Cluster, {@link ClusterReaderConnector}) a connection to the slot's current
 * master, dropped after every failure and made again; a {@code MOVED} reply is followed at once,
 * without reporting unavailability. A {@link Watchdog}, if given, restarts a reader that receives
 * nothing for {@link #STALL} while the head is ahead of what it delivered.
 */
public final class StreamSubscription implements LogSubscription {

    private static final Logger log = LoggerFactory.getLogger(StreamSubscription.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** How many entries one read returns at most. */
    static final int BATCH = 1024;

    /**
     * Reads shrink below {@link #BATCH} entries when entries are large, aiming at this many bytes per
     * batch (1,024 entries of 1 MiB would otherwise be one read).
     */
    static final long BATCH_BYTES = 8L << 20;

    /** How long one {@code XREAD} blocks on an idle stream. */
    static final Duration BLOCK = Duration.ofSeconds(2);

    static final long MIN_BACKOFF_MS = 50;
    static final long MAX_BACKOFF_MS = 1_000;

    /**
     * With a {@linkplain Watchdog watchdog}: how long the head may stay ahead of the last delivered
     * position, with nothing delivered, before the reader connection is dropped and made again.
     */
    static final Duration STALL = BLOCK.plusSeconds(1);

    /**
     * {@code MOVED} replies followed in a row at once; beyond it (nodes disagreeing while the
     * topology changes) the next ones wait like failures.
     */
    static final int MAX_REDIRECTS = 5;

    /** How the reader's dedicated connection is made (standalone, or to a cluster slot's owner). */
    public interface Connector {
        /**
         * A new connection to the node that serves the log key now.
         *
         * @param redirect {@code host:port} a {@code MOVED} reply named, or {@code null} to find it
         */
        StatefulRedisConnection<byte[], byte[]> connect(@Nullable String redirect) throws Exception;

        /**
         * Whether a failed read drops the connection, so that the next read connects again through
         * {@link #connect} (cluster: the slot's owner may have changed), rather than waiting for
         * Lettuce to reconnect the same connection to the same address (standalone).
         */
        boolean dropOnFailure();

        /** Told when a read failed or was redirected: the topology may have changed. */
        default void failed(Throwable cause) {}

        /** The longest wait between two attempts after failures (default {@value #MAX_BACKOFF_MS} ms). */
        default long maxBackoffMillis() {
            return MAX_BACKOFF_MS;
        }
    }

    /**
     * Restarts a reader that is connected but receives nothing while the log grows: every {@code
     * period} it compares the head (read on the command connection) with the last delivered
     * position.
     */
    public record Watchdog(Supplier<CompletionStage<Long>> head, ScheduledExecutorService timer, Duration period) {}

    private final Connector connector;
    private final @Nullable Watchdog watchdog;
    private final Duration commandTimeout;
    private final byte[] logKey;
    private final LogListener listener;
    private final LongConsumer seen;
    private final Runnable onClose;
    private final String where;
    private final Thread thread;
    private final ReentrantLock delivery = new ReentrantLock();

    private volatile boolean stopped;
    private volatile @Nullable StatefulRedisConnection<byte[], byte[]> connection;
    private volatile @Nullable String redirect;
    private volatile boolean restarting;
    private volatile long delivered;
    private volatile long lastProgressNanos = System.nanoTime();
    private volatile long aheadSinceNanos;
    private volatile @Nullable ScheduledFuture<?> watching;
    private int partition;
    private int redirects;
    private long position;
    private boolean available = true;
    private int count = BATCH;

    /**
     * @param seen told every delivered position (the backend's floor, see {@code prelude.lua})
     * @param onClose run once when closed
     */
    public StreamSubscription(
            RedisClient client,
            RedisURI uri,
            Duration commandTimeout,
            byte[] logKey,
            long afterPosition,
            LogListener listener,
            LongConsumer seen,
            Runnable onClose,
            String where) {
        this(standalone(client, uri), null, commandTimeout, logKey, afterPosition, listener, seen, onClose, where);
    }

    /**
     * A subscription whose connections come from {@code connector} (a cluster: the current owner of
     * the log key's slot), restarted by {@code watchdog} (if any) when it stalls.
     */
    public StreamSubscription(
            Connector connector,
            @Nullable Watchdog watchdog,
            Duration commandTimeout,
            byte[] logKey,
            long afterPosition,
            LogListener listener,
            LongConsumer seen,
            Runnable onClose,
            String where) {
        this.connector = connector;
        this.watchdog = watchdog;
        this.commandTimeout = commandTimeout;
        this.logKey = logKey;
        this.position = afterPosition;
        this.delivered = afterPosition;
        this.listener = listener;
        this.seen = seen;
        this.onClose = onClose;
        this.where = where;
        this.thread = new Thread(this::run, "socket-serve-redis-log-" + THREADS.incrementAndGet());
        this.thread.setDaemon(true);
    }

    /** Standalone Redis: one connection that Lettuce reconnects by itself. */
    static Connector standalone(RedisClient client, RedisURI uri) {
        return new Connector() {
            @Override
            public StatefulRedisConnection<byte[], byte[]> connect(@Nullable String redirect) {
                return client.connect(ByteArrayCodec.INSTANCE, uri);
            }

            @Override
            public boolean dropOnFailure() {
                return false;
            }
        };
    }

    /** The partition whose log this reads (default 0): the records and gaps it reports carry it. Before {@link #start}. */
    public StreamSubscription inPartition(int p) {
        this.partition = p;
        return this;
    }

    public StreamSubscription start() {
        thread.start();
        Watchdog w = watchdog;
        if (w != null) {
            long ms = w.period().toMillis();
            watching = w.timer().scheduleWithFixedDelay(this::watch, ms, ms, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** One watchdog check: drops the reader connection when the head has been ahead for {@link #STALL}. */
    private void watch() {
        Watchdog w = watchdog;
        if (w == null || stopped || connection == null) {
            return;
        }
        w.head().get().whenComplete((head, error) -> {
            if (error != null || head == null || stopped) {
                return; // the command connection is down: the reader finds out by itself
            }
            long now = System.nanoTime();
            if (head <= delivered) {
                aheadSinceNanos = 0;
                return;
            }
            if (aheadSinceNanos == 0) {
                aheadSinceNanos = now;
                return;
            }
            long quiet = now - Math.max(aheadSinceNanos, lastProgressNanos);
            if (quiet >= STALL.toNanos()) {
                log.warn(
                        "Log subscription at {} received nothing for {} ms while the head is at {} and it delivered"
                                + " up to {}: reconnecting the reader",
                        where,
                        TimeUnit.NANOSECONDS.toMillis(quiet),
                        head,
                        delivered);
                aheadSinceNanos = 0;
                lastProgressNanos = now;
                restarting = true;
                closeConnection(); // fails the blocked XREAD; the loop connects again
            }
        });
    }

    private void run() {
        long backoff = MIN_BACKOFF_MS;
        try {
            while (!stopped) {
                try {
                    List<StreamMessage<byte[], byte[]>> batch = read();
                    backoff = MIN_BACKOFF_MS;
                    restarting = false;
                    redirects = 0;
                    if (!available) {
                        available = true;
                        deliver(() -> listener.onAvailability(true));
                    }
                    if (batch != null && !batch.isEmpty()) {
                        deliver(batch);
                    }
                } catch (Exception e) {
                    if (stopped) {
                        break;
                    }
                    Throwable cause = Failures.unwrap(e);
                    connector.failed(cause);
                    if (connector.dropOnFailure()) {
                        closeConnection();
                    }
                    String moved = Redirects.moved(cause);
                    if (moved != null && ++redirects <= MAX_REDIRECTS) {
                        // the slot moved: read there, at once, without reporting an outage
                        log.debug("Log subscription at {} follows {}", where, cause.getMessage());
                        redirect = moved;
                        continue;
                    }
                    if (restarting || Redirects.isAsk(cause)) { // the watchdog's restart, or a slot in migration
                        restarting = false;
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Redirects.isAsk(cause) ? 10 : 0));
                        continue;
                    }
                    if (available) {
                        available = false;
                        log.warn(
                                "Log subscription lost Redis at {}, retrying: {}",
                                where,
                                Failures.unwrap(e).toString());
                        deliver(() -> listener.onAvailability(false));
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff));
                    backoff = Math.min(backoff * 2, connector.maxBackoffMillis());
                }
            }
        } finally {
            closeConnection();
        }
    }

    // Lettuce's xread takes StreamOffset<K>... (not @SafeVarargs): one offset, never stored.
    @SuppressWarnings("unchecked")
    private @Nullable List<StreamMessage<byte[], byte[]>> read() throws Exception {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        if (c == null) {
            String to = redirect;
            redirect = null;
            c = connector.connect(to);
            c.setTimeout(BLOCK.plus(commandTimeout));
            connection = c;
            if (stopped) {
                closeConnection();
                return null;
            }
        }
        XReadArgs args = new XReadArgs().block(BLOCK.toMillis()).count(count);
        return c.async()
                .xread(args, XReadArgs.StreamOffset.from(logKey, "0-" + position))
                .get();
    }

    private void deliver(List<StreamMessage<byte[], byte[]>> batch) {
        List<LogRecord> records = new ArrayList<>(batch.size());
        long size = 0;
        for (StreamMessage<byte[], byte[]> m : batch) {
            byte[] entry = m.getBody().values().iterator().next();
            size += entry.length;
            records.add(new LogRecord(partition, Replies.position(m.getId()), entry));
        }
        long average = Math.max(1, size / records.size());
        count = (int) Math.max(1, Math.min(BATCH, BATCH_BYTES / average));
        long after = position;
        long first = records.get(0).position();
        long last = records.get(records.size() - 1).position();
        position = last;
        delivered = last;
        lastProgressNanos = System.nanoTime();
        seen.accept(last);
        if (first > after + 1) {
            int p = partition;
            deliver(() -> listener.onGap(p, after, first));
        }
        deliver(() -> listener.onRecords(records));
    }

    /** Calls the listener unless closed; {@link #close()} waits for a call in progress. */
    private void deliver(Runnable call) {
        delivery.lock();
        try {
            if (!stopped) {
                call.run();
            }
        } catch (RuntimeException e) {
            log.error("Log listener failed; the subscription goes on after the failed batch", e);
        } finally {
            delivery.unlock();
        }
    }

    private void closeConnection() {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        connection = null;
        if (c != null) {
            c.closeAsync();
        }
    }

    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        ScheduledFuture<?> w = watching;
        if (w != null) {
            w.cancel(false);
        }
        closeConnection(); // fails a blocked XREAD at once
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread) {
            delivery.lock(); // a listener call in progress finishes before close returns
            delivery.unlock();
        }
        onClose.run();
    }

    /** Waits until the thread has ended (for the backend's close). */
    public void join(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
    }
}
