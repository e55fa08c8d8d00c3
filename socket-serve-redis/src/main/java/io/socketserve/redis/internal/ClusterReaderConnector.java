package io.socketserve.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The reader connections of a log subscription on a Redis Cluster: a plain connection to the master
 * that owns the log key's slot now, made again after every failure (Lettuce does not move a
 * blocking reader after a slot migration or a failover by itself).
 *
 * <p>The owner comes from a {@code MOVED} reply when there was one, and from the cluster client's
 * view of the topology otherwise; every failure asks for a topology refresh (at most one every
 * {@value #REFRESH_MIN_INTERVAL_MS} ms), so that after a failover the promoted replica is found soon
 * after the cluster has promoted it.
 */
public final class ClusterReaderConnector implements StreamSubscription.Connector {

    static final long REFRESH_MIN_INTERVAL_MS = 200;

    /**
     * Retries come at most this far apart: after a failover the reader connects to the promoted
     * replica within this long of the topology showing it (an attempt on a dead node fails at once,
     * or after the connect timeout, which paces retries anyway).
     */
    static final long MAX_BACKOFF_MS = 100;

    private final RedisClusterClient cluster;
    private final RedisClient nodes;
    private final RedisURI template;
    private final int slot;
    private final AtomicLong lastRefresh = new AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(1));
    private volatile String lastHost;

    /**
     * @param cluster the backend's cluster client, for its topology
     * @param nodes the client the reader connections are made with (no auto-reconnect)
     * @param template credentials, TLS and client name for the connections (a seed URI)
     * @param logKey the stream the subscription reads
     */
    public ClusterReaderConnector(RedisClusterClient cluster, RedisClient nodes, RedisURI template, byte[] logKey) {
        this.cluster = cluster;
        this.nodes = nodes;
        this.template = template;
        this.slot = SlotHash.getSlot(logKey);
        this.lastHost = template.getHost();
    }

    @Override
    public StatefulRedisConnection<byte[], byte[]> connect(@Nullable String redirect) {
        String host;
        int port;
        if (redirect != null) {
            int colon = redirect.lastIndexOf(':');
            host = colon == 0 ? lastHost : redirect.substring(0, colon);
            port = Integer.parseInt(redirect.substring(colon + 1));
        } else {
            RedisClusterNode owner = cluster.getPartitions().getMasterBySlot(slot);
            if (owner == null || owner.getUri() == null) {
                refresh();
                throw new RedisConnectionException("no master serves slot " + slot + " in the known topology");
            }
            host = owner.getUri().getHost();
            port = owner.getUri().getPort();
        }
        lastHost = host;
        RedisURI uri = RedisURI.builder(template).withHost(host).withPort(port).build();
        return nodes.connect(ByteArrayCodec.INSTANCE, uri);
    }

    @Override
    public boolean dropOnFailure() {
        return true;
    }

    @Override
    public long maxBackoffMillis() {
        return MAX_BACKOFF_MS;
    }

    @Override
    public void failed(Throwable cause) {
        refresh();
    }

    private void refresh() {
        long now = System.nanoTime();
        long last = lastRefresh.get();
        if (now - last >= TimeUnit.MILLISECONDS.toNanos(REFRESH_MIN_INTERVAL_MS)
                && lastRefresh.compareAndSet(last, now)) {
            cluster.refreshPartitionsAsync();
        }
    }
}
