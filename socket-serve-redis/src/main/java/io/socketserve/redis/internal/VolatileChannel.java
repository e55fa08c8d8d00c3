package io.socketserve.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.socketserve.spi.LogListener;
import java.util.Arrays;
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

    private final byte[] channel;
    private final LogListener listener;
    private volatile boolean closed;
    private volatile @Nullable StatefulRedisPubSubConnection<byte[], byte[]> connection;

    private VolatileChannel(byte[] channel, LogListener listener) {
        this.channel = channel;
        this.listener = listener;
    }

    /** Connects and subscribes in the background; volatile entries published before that are missed. */
    public static VolatileChannel open(RedisClient client, RedisURI uri, byte[] channel, LogListener listener) {
        VolatileChannel v = new VolatileChannel(channel, listener);
        client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri).whenComplete((conn, error) -> {
            if (error != null) {
                log.warn("volatile channel could not connect: {}", error.toString());
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
        return v;
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
