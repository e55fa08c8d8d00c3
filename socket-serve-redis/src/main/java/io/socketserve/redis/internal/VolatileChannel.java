package io.socketserve.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.socketserve.spi.LogListener;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The volatile half of one {@code subscribe}: a pub/sub connection subscribed to the volatile
 * channel, handing every message to {@link LogListener#onVolatile}. Redis pub/sub is fire-and-forget,
 * which is exactly the contract of volatile entries: nothing is stored, a subscriber that is not
 * connected misses them. Lettuce re-subscribes by itself after a reconnect.
 */
public final class VolatileChannel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VolatileChannel.class);

    static final long MIN_RETRY_MS = 50;
    static final long MAX_RETRY_MS = 1_000;

    private final byte[] channel;
    private final LogListener listener;
    private volatile boolean closed;
    private volatile @Nullable StatefulRedisPubSubConnection<byte[], byte[]> connection;

    private VolatileChannel(byte[] channel, LogListener listener) {
        this.channel = channel;
        this.listener = listener;
    }

    /**
     * Connects and subscribes in the background; volatile entries published before that are missed.
     * A failed connect is retried (after 50 ms, doubling up to 1 s) until it succeeds or the channel
     * is closed: during a Sentinel failover the master named by the Sentinels may be down for
     * seconds.
     */
    public static VolatileChannel open(RedisClient client, RedisURI uri, byte[] channel, LogListener listener) {
        VolatileChannel v = new VolatileChannel(channel, listener);
        v.connect(client, uri, 0);
        return v;
    }

    private void connect(RedisClient client, RedisURI uri, long backoffMs) {
        VolatileChannel v = this;
        if (closed) {
            return;
        }
        client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri).whenComplete((conn, error) -> {
            if (error != null) {
                if (v.closed) {
                    return;
                }
                if (backoffMs == 0) {
                    log.warn("volatile channel could not connect, retrying: {}", error.toString());
                }
                long next = Math.min(Math.max(MIN_RETRY_MS, backoffMs * 2), MAX_RETRY_MS);
                try {
                    client.getResources()
                            .eventExecutorGroup()
                            .schedule(() -> v.connect(client, uri, next), next, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    // the backend is closing
                }
                return;
            }
            conn.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(byte[] from, byte[] message) {
                    if (!v.closed && Arrays.equals(from, channel)) {
                        try {
                            listener.onVolatile(message);
                        } catch (RuntimeException e) {
                            log.warn("volatile listener failed", e);
                        }
                    }
                }
            });
            synchronized (v) {
                if (v.closed) {
                    conn.closeAsync();
                    return;
                }
                v.connection = conn;
            }
            conn.async().subscribe(channel);
        });
    }

    /** Whether the subscription is established (for tests and health checks). */
    public boolean subscribed() {
        return connection != null && connection.isOpen();
    }

    @Override
    public void close() {
        StatefulRedisPubSubConnection<byte[], byte[]> c;
        synchronized (this) {
            closed = true;
            c = connection;
            connection = null;
        }
        if (c != null) {
            c.close();
        }
    }
}
