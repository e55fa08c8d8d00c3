package io.socketserve.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.socketserve.spi.LogListener;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The volatile half of one {@code subscribe}: a pub/sub connection subscribed to the volatile
 * channel, handing every message to {@link LogListener#onVolatile}. Redis pub/sub is fire-and-forget,
 * which is exactly the contract of volatile entries: nothing is stored, a subscriber that is not
 * connected misses them. Lettuce re-subscribes by itself after a reconnect.
 *
 * <p>In a Redis Cluster ({@link #openCluster}) a {@code PUBLISH} on any node reaches subscribers on
 * every node, so the subscription may sit on any node. Lettuce would reconnect it to the same node
 * only, which never comes back if that node died: a check every {@link #CLUSTER_CHECK} replaces a
 * connection that has been down for two checks in a row by a new one (to a node that is up) and
 * subscribes again.
 */
public final class VolatileChannel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VolatileChannel.class);

    static final long MIN_RETRY_MS = 50;
    static final long MAX_RETRY_MS = 1_000;

    /** How often a cluster subscription checks that its connection is up. */
    static final Duration CLUSTER_CHECK = Duration.ofMillis(500);

    private final byte[] channel;
    private final LogListener listener;
    private final Supplier<CompletionStage<? extends StatefulRedisPubSubConnection<byte[], byte[]>>> connector;
    private final ScheduledExecutorService retries;
    private volatile boolean closed;
    private volatile @Nullable StatefulRedisPubSubConnection<byte[], byte[]> connection;
    private boolean connecting;
    private int downChecks;
    private @Nullable ScheduledFuture<?> checking;

    private VolatileChannel(
            byte[] channel,
            LogListener listener,
            Supplier<CompletionStage<? extends StatefulRedisPubSubConnection<byte[], byte[]>>> connector,
            ScheduledExecutorService retries) {
        this.channel = channel;
        this.listener = listener;
        this.connector = connector;
        this.retries = retries;
    }

    /**
     * Connects and subscribes in the background; volatile entries published before that are missed.
     * A failed connect is retried (after 50 ms, doubling up to 1 s) until it succeeds or the channel
     * is closed: during a Sentinel failover the master named by the Sentinels may be down for
     * seconds.
     */
    public static VolatileChannel open(RedisClient client, RedisURI uri, byte[] channel, LogListener listener) {
        VolatileChannel v = new VolatileChannel(
                channel,
                listener,
                () -> client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri),
                client.getResources().eventExecutorGroup());
        v.connect(0);
        return v;
    }

    /**
     * Like {@link #open}, on a Redis Cluster: subscribes on whichever node Lettuce picks, and
     * subscribes again on another node when that one stays unreachable.
     */
    public static VolatileChannel openCluster(
            RedisClusterClient client, ScheduledExecutorService timer, byte[] channel, LogListener listener) {
        VolatileChannel v =
                new VolatileChannel(channel, listener, () -> client.connectPubSubAsync(ByteArrayCodec.INSTANCE), timer);
        v.connect(0);
        long ms = CLUSTER_CHECK.toMillis();
        synchronized (v) {
            v.checking = timer.scheduleWithFixedDelay(v::check, ms, ms, TimeUnit.MILLISECONDS);
        }
        return v;
    }

    /** Connects; a failed connect is tried again after {@code backoffMs} doubled (50 ms up to 1 s). */
    private void connect(long backoffMs) {
        synchronized (this) {
            if (closed || connecting) {
                return;
            }
            connecting = true;
        }
        connector.get().whenComplete((conn, error) -> {
            synchronized (this) {
                connecting = false;
            }
            if (error != null) {
                if (closed) {
                    return;
                }
                if (backoffMs == 0) {
                    log.warn("volatile channel could not connect, retrying: {}", error.toString());
                }
                long next = Math.min(Math.max(MIN_RETRY_MS, backoffMs * 2), MAX_RETRY_MS);
                try {
                    retries.schedule(() -> connect(next), next, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    // the backend is closing
                }
                return;
            }
            conn.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(byte[] from, byte[] message) {
                    if (!closed && Arrays.equals(from, channel)) {
                        try {
                            listener.onVolatile(message);
                        } catch (RuntimeException e) {
                            log.warn("volatile listener failed", e);
                        }
                    }
                }
            });
            synchronized (this) {
                if (closed) {
                    conn.closeAsync();
                    return;
                }
                connection = conn;
                downChecks = 0;
            }
            conn.async().subscribe(channel);
        });
    }

    /** A cluster subscription's periodic check: a connection down for two checks is replaced. */
    private void check() {
        StatefulRedisPubSubConnection<byte[], byte[]> stale = null;
        synchronized (this) {
            if (closed || connecting) {
                return;
            }
            StatefulRedisPubSubConnection<byte[], byte[]> c = connection;
            if (c != null && c.isOpen()) {
                downChecks = 0;
                return;
            }
            if (c != null && ++downChecks < 2) {
                return;
            }
            stale = c;
            connection = null;
        }
        if (stale != null) {
            log.info("volatile channel: its node is unreachable, subscribing again on another node");
            stale.closeAsync();
        }
        connect(0);
    }

    /** Whether the subscription is established (for tests and health checks). */
    public boolean subscribed() {
        StatefulRedisPubSubConnection<byte[], byte[]> c = connection;
        return c != null && c.isOpen();
    }

    @Override
    public void close() {
        StatefulRedisPubSubConnection<byte[], byte[]> c;
        synchronized (this) {
            closed = true;
            c = connection;
            connection = null;
            if (checking != null) {
                checking.cancel(false);
            }
        }
        if (c != null) {
            c.close();
        }
    }
}
