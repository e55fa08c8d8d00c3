package io.socketserve.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Delegating;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.DefaultEndpoint;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.socketserve.redis.internal.ClusterReaderConnector;
import io.socketserve.redis.internal.Failures;
import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.redis.internal.StreamSubscription;
import io.socketserve.redis.internal.VolatileChannel;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRetention;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection every part of {@link RedisBackend} issues its commands on, and how: {@link
 * #script} runs a Lua script (one {@code EVALSHA}) with the prelude's arguments, {@link #call} issues
 * a command, and both turn failures into {@link BackendUnavailableException}. It also owns the
 * connection's lifecycle ({@link #start}, {@link #close}) and the position floor ({@link #seen}).
 *
 * <p>The parts share it, and so share one connection: Lettuce writes one connection's commands in
 * order, which is how calls made from one thread take effect in that order across parts.
 *
 * <p>Lettuce reconnects the connection by itself, and with a Sentinel URI it asks the Sentinels for
 * the master's address on every reconnect, so a failover that drops the connection (the master
 * crashed) is followed. A failover that leaves the old master running does not drop it: Sentinel
 * reconfigures the old master as a replica, closing its clients, only seconds after the switch, and
 * meanwhile it still accepts writes that are lost then. So with a Sentinel URI the calls also
 * subscribe to {@code +switch-master} on every Sentinel ({@link #watchSentinels}); when one reports
 * that the master moved, every connection of this backend still open to the old address (commands,
 * log subscriptions, volatile channels: they all share the client, whose channels are tracked here) is
 * dropped, and reconnects to where the Sentinels now say the master is. Last, a connection that
 * stays open to a master that was demoted to a replica otherwise would fail every write with {@code
 * READONLY}: such a reply drops the connection ({@link #onReadOnly}), and the reconnect asks the
 * Sentinels again.
 */
final class RedisCalls {

    private static final Logger log = LoggerFactory.getLogger(RedisCalls.class);

    /** The most ids one script call takes; larger batches are sent as several scripts at once. */
    static final int TOUCH_CHUNK = 256;

    /**
     * The longest wait between two reconnect attempts. Lettuce's default (exponential, up to 30 s)
     * waited about 8 s after a 10 s outage before trying again; with full jitter under this cap the
     * first retry comes within 10 ms and every later one within half a second, at random, so an
     * instance serves again well within a second of Redis answering and instances do not retry in
     * step.
     */
    static final Duration RECONNECT_DELAY_MAX = Duration.ofMillis(500);

    /** Full jitter: attempt n waits a random time below min(10 ms × 2^(n-1), {@link #RECONNECT_DELAY_MAX}). */
    static Delay reconnectDelay() {
        return Delay.fullJitter(Duration.ZERO, RECONNECT_DELAY_MAX, 10, TimeUnit.MILLISECONDS);
    }

    private final RedisBackendOptions options;
    private final Keys keys;
    private final String where;
    /** Per partition, the highest position seen: the floor that keeps positions increasing after data loss. */
    private final AtomicLongArray floors;
    /** Every open channel of the client (closed ones leave by themselves). */
    private final ChannelGroup channels = new DefaultChannelGroup("socket-serve-redis", GlobalEventExecutor.INSTANCE);

    private final List<StatefulRedisPubSubConnection<String, String>> sentinelWatches = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<?>> pendingWatches = new CopyOnWriteArrayList<>();
    private final AtomicLong readOnlyDropAt = new AtomicLong(System.nanoTime() - RECONNECT_DELAY_MAX.toNanos());
    private final AtomicLong lastFailureRefresh = new AtomicLong(System.nanoTime());

    /**
     * Cluster mode: how often the topology is read again anyway; on {@code MOVED}/{@code ASK}
     * redirects, persistent reconnects and unknown nodes it is read at once, at most every {@link
     * #CLUSTER_ADAPTIVE_REFRESH_MIN}.
     */
    static final Duration CLUSTER_PERIODIC_REFRESH = Duration.ofSeconds(5);

    static final Duration CLUSTER_ADAPTIVE_REFRESH_MIN = Duration.ofMillis(500);

    /** Cluster mode: the shortest time between two topology reads caused by failed commands. */
    static final Duration CLUSTER_FAILURE_REFRESH_MIN = Duration.ofMillis(200);

    /** Cluster mode: how often a log subscription compares the head with what it delivered. */
    static final Duration CLUSTER_READER_WATCHDOG = Duration.ofSeconds(1);

    private @Nullable AbstractRedisClient client;
    private volatile @Nullable RedisClusterClient clusterClient;
    private @Nullable RedisClient readerClient;
    private @Nullable ClientResources resources;
    private @Nullable StatefulConnection<byte[], byte[]> connection;
    private @Nullable RedisClusterAsyncCommands<byte[], byte[]> commands;
    private @Nullable Scripts scripts;
    private byte[] retention = bytes("1");
    private volatile boolean started;
    private volatile boolean closed;

    RedisCalls(RedisBackendOptions options) {
        this.options = options;
        this.keys = new Keys(options.keyPrefix(), options.partitions());
        this.floors = new AtomicLongArray(options.partitions());
        this.where = options.redactedUri();
    }

    RedisBackendOptions options() {
        return options;
    }

    Keys keys() {
        return keys;
    }

    /** The URI without its password, for messages. */
    String where() {
        return where;
    }

    /** Connects and loads the scripts; see {@link RedisBackend#start}. */
    synchronized CompletionStage<Void> start(LogRetention logRetention) {
        if (client != null || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        // "<max entries>:<max bytes>:<max age ms>", parsed by prelude.lua
        retention =
                bytes(logRetention.maxEntries() + ":" + logRetention.maxBytes() + ":" + logRetention.maxAgeMillis());
        ClientResources r = DefaultClientResources.builder()
                .reconnectDelay(reconnectDelay())
                .nettyCustomizer(new NettyCustomizer() {
                    @Override
                    public void afterChannelInitialized(Channel channel) {
                        channels.add(channel);
                    }
                })
                .build();
        if (options.isCluster()) {
            return startCluster(r);
        }
        RedisClient c = RedisClient.create(r);
        resources = r;
        c.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // also what makes commands at-most-once: the ones in flight when the connection
                // drops fail instead of being written again after the reconnect (a second run of an
                // append script would log its message twice; RedisAtMostOnceIT)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(options.maxPendingCommands())
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(options.connectTimeout())
                        .keepAlive(true)
                        .build())
                .timeoutOptions(TimeoutOptions.builder()
                        .timeoutCommands(true)
                        .connectionTimeout()
                        .build())
                .build());
        client = c;
        CompletableFuture<Void> result = new CompletableFuture<>();
        c.connectAsync(ByteArrayCodec.INSTANCE, options.redisUri())
                .thenCompose(conn -> {
                    synchronized (this) {
                        connection = conn;
                        commands = conn.async();
                        scripts = new Scripts(conn.async());
                    }
                    conn.addListener(scripts);
                    return scripts.load();
                })
                .thenRun(() -> watchSentinels(c))
                .whenComplete((ok, error) -> {
                    if (error == null) {
                        started = true;
                        result.complete(null);
                    } else {
                        result.completeExceptionally(new BackendUnavailableException(
                                "Cannot reach Redis at " + where + ": "
                                        + Failures.unwrap(error).getMessage(),
                                Failures.unwrap(error)));
                        // on a Lettuce thread here: a blocking shutdown would wait for this very thread
                        synchronized (this) {
                            closed = true;
                        }
                        c.shutdownAsync(0, 2, TimeUnit.SECONDS)
                                .whenComplete((v, e) -> r.shutdown(0, 2, TimeUnit.SECONDS));
                    }
                });
        return result;
    }

    /**
     * Fails {@link RedisBackend#start} (closing the connection) when the data under the key prefix
     * was written with another partition count: data written with one count cannot be read with
     * another. A partitioned log records its count beside the data ({@code {prefix}:meta}); a
     * single-partition one records nothing (its keys stay exactly as before partitions), and is
     * recognised by its log, {@code {prefix}:log}.
     */
    CompletionStage<Void> checkPartitions() {
        byte[] meta = keys.meta();
        byte[] field = bytes("partitions");
        String mine = Integer.toString(keys.partitions());
        CompletionStage<String> theirs;
        if (keys.partitions() == 1) {
            theirs = call(
                    () -> commands().hget(meta, field), r -> r == null ? mine : new String(r, StandardCharsets.UTF_8));
        } else {
            byte[] singleLog = bytes("{" + options.keyPrefix() + "}:log");
            theirs = call(() -> commands().exists(singleLog), n -> n)
                    .thenCompose(single -> single > 0
                            ? CompletableFuture.completedFuture("1")
                            : call(() -> commands().hsetnx(meta, field, bytes(mine)), r -> r)
                                    .thenCompose(set -> call(
                                            () -> commands().hget(meta, field),
                                            r -> r == null ? mine : new String(r, StandardCharsets.UTF_8))));
        }
        return theirs.thenCompose(stored -> {
            if (stored.equals(mine)) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            Runnable release = close();
            if (release != null) {
                CompletableFuture.runAsync(release);
            }
            return CompletableFuture.<Void>failedFuture(new IllegalStateException("The data under key prefix '"
                    + options.keyPrefix() + "' was written with " + stored + " log partition(s); this backend has "
                    + mine + ". Every instance must use the same partitions(…), or another keyPrefix."));
        });
    }

    /**
     * On a Redis Cluster with several partitions, reads every partition's head until each answers
     * (at most the connect timeout): the cluster client connects to a master on its first command for
     * it, and rejects commands while that connection is being made, so without this the first
     * operations after start (an instance's first heads, its first attach) would fail as unavailable.
     */
    CompletionStage<Void> reachPartitions() {
        if (!options.isCluster() || keys.partitions() == 1) {
            return CompletableFuture.completedFuture(null);
        }
        long deadline = System.nanoTime() + options.connectTimeout().toNanos();
        CompletableFuture<?>[] all = new CompletableFuture<?>[keys.partitions()];
        for (int p = 0; p < all.length; p++) {
            all[p] = reach(p, deadline);
        }
        return CompletableFuture.allOf(all);
    }

    private CompletableFuture<Long> reach(int p, long deadline) {
        return newestPosition(p)
                .toCompletableFuture()
                .handle((head, error) -> {
                    if (error == null || System.nanoTime() - deadline > 0) {
                        return error == null
                                ? CompletableFuture.completedFuture(head)
                                : CompletableFuture.<Long>failedFuture(error);
                    }
                    return CompletableFuture.supplyAsync(
                                    () -> null, CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS))
                            .thenCompose(v -> reach(p, deadline));
                })
                .thenCompose(f -> f);
    }

    /** {@link #start} on a Redis Cluster: the command connection routes each command to its slot's master. */
    private CompletionStage<Void> startCluster(ClientResources r) {
        RedisClusterClient c = RedisClusterClient.create(r, options.clusterRedisUris());
        resources = r;
        SocketOptions socket = SocketOptions.builder()
                .connectTimeout(options.connectTimeout())
                .keepAlive(true)
                .build();
        TimeoutOptions timeouts = TimeoutOptions.builder()
                .timeoutCommands(true)
                .connectionTimeout()
                .build();
        c.setOptions(ClusterClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(options.maxPendingCommands())
                .socketOptions(socket)
                .timeoutOptions(timeouts)
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(CLUSTER_PERIODIC_REFRESH)
                        // Lettuce 7 enables every adaptive trigger by default (MOVED/ASK redirects,
                        // persistent reconnects, uncovered slot, unknown node): only their rate is set
                        .adaptiveRefreshTriggersTimeout(CLUSTER_ADAPTIVE_REFRESH_MIN)
                        .refreshTriggersReconnectAttempts(2)
                        .build())
                .build());
        // the log readers' connections: to one node each, made again by the reader after a failure
        RedisClient readers = RedisClient.create(r);
        readers.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(socket)
                .timeoutOptions(timeouts)
                .build());
        client = c;
        clusterClient = c;
        readerClient = readers;
        CompletableFuture<Void> result = new CompletableFuture<>();
        // connectAsync needs the topology: reading it first (asynchronously) initialises it
        c.refreshPartitionsAsync()
                .thenCompose(v -> c.connectAsync(ByteArrayCodec.INSTANCE))
                .thenCompose(conn -> {
                    Scripts s = new Scripts(conn.async(), body -> loadOnEveryNode(conn, body));
                    synchronized (this) {
                        connection = conn;
                        commands = conn.async();
                        scripts = s;
                    }
                    // a node that is down but not yet known as failed fails the load: the backend
                    // starts all the same, sending scripts whole until a later load succeeds
                    return s.load().exceptionally(e -> null);
                })
                .whenComplete((ok, error) -> {
                    if (error == null) {
                        started = true;
                        result.complete(null);
                    } else {
                        result.completeExceptionally(new BackendUnavailableException(
                                "Cannot reach the Redis Cluster at " + where + ": "
                                        + Failures.unwrap(error).getMessage(),
                                Failures.unwrap(error)));
                        synchronized (this) {
                            closed = true;
                        }
                        readers.shutdownAsync(0, 2, TimeUnit.SECONDS)
                                .thenCompose(v -> c.shutdownAsync(0, 2, TimeUnit.SECONDS))
                                .whenComplete((v, e) -> r.shutdown(0, 2, TimeUnit.SECONDS));
                    }
                });
        return result;
    }

    /**
     * {@code SCRIPT LOAD} on every node that is not known to have failed, masters and replicas, so
     * that the master that owns the slot after a reshard or a failover knows the scripts already.
     */
    private static CompletionStage<?> loadOnEveryNode(
            StatefulRedisClusterConnection<byte[], byte[]> conn, byte[] body) {
        List<CompletableFuture<String>> loads = new ArrayList<>();
        for (RedisClusterNode node : conn.getPartitions()) {
            if (node.is(NodeFlag.FAIL) || node.is(NodeFlag.EVENTUAL_FAIL) || node.is(NodeFlag.NOADDR)) {
                continue;
            }
            RedisURI u = node.getUri();
            loads.add(conn.getConnectionAsync(u.getHost(), u.getPort())
                    .thenCompose(c -> c.async().scriptLoad(body)));
        }
        return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new));
    }

    /**
     * A log subscription's reader: standalone, a connection Lettuce reconnects; on a cluster, a
     * connection to the slot's current master, made again after a redirect or a failure, and
     * restarted when the head runs ahead of it without anything arriving.
     */
    StreamSubscription newSubscription(
            int p, long afterPosition, LogListener listener, LongConsumer seen, Runnable onClose) {
        byte[] logKey = keys.log(p);
        AbstractRedisClient c = running();
        if (c instanceof RedisClusterClient cluster) {
            RedisURI template = options.clusterRedisUris().get(0);
            template.setTimeout(options.commandTimeout());
            ClientResources r = Objects.requireNonNull(resources);
            return new StreamSubscription(
                            new ClusterReaderConnector(cluster, Objects.requireNonNull(readerClient), template, logKey),
                            new StreamSubscription.Watchdog(
                                    () -> newestPosition(p), r.eventExecutorGroup(), CLUSTER_READER_WATCHDOG),
                            options.commandTimeout(),
                            logKey,
                            afterPosition,
                            listener,
                            seen,
                            onClose,
                            where)
                    .inPartition(p);
        }
        return new StreamSubscription(
                        (RedisClient) c,
                        options.redisUri(),
                        options.commandTimeout(),
                        logKey,
                        afterPosition,
                        listener,
                        seen,
                        onClose,
                        where)
                .inPartition(p);
    }

    /** The volatile channel of a subscription (on a cluster: moved to another node if its node dies). */
    VolatileChannel openVolatile(byte[] channel, LogListener listener) {
        AbstractRedisClient c = running();
        if (c instanceof RedisClusterClient cluster) {
            return VolatileChannel.openCluster(
                    cluster, Objects.requireNonNull(resources).eventExecutorGroup(), channel, listener);
        }
        return VolatileChannel.open((RedisClient) c, options.redisUri(), channel, listener);
    }

    /**
     * Marks the calls closed; what is left to release (the connection, Lettuce's threads), or {@code
     * null} if they were closed already.
     */
    synchronized @Nullable Runnable close() {
        if (closed) {
            return null;
        }
        closed = true;
        AbstractRedisClient c = client;
        RedisClient readers = readerClient;
        ClientResources r = resources;
        StatefulConnection<byte[], byte[]> conn = connection;
        return () -> {
            // shutting the client down under a connect in progress leaks its buffer: let them end first
            try {
                CompletableFuture.allOf(pendingWatches.toArray(CompletableFuture[]::new))
                        .get(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                // a Sentinel that cannot be reached: nothing to close
            }
            sentinelWatches.forEach(StatefulRedisPubSubConnection::close);
            sentinelWatches.clear();
            if (conn != null) {
                conn.close();
            }
            if (readers != null) {
                readers.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            if (c != null) {
                c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            if (r != null) {
                // the client does not shut down resources it was given: their threads end here
                r.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
        };
    }

    /**
     * The log's newest position, from the stream's newest entry (trimming always keeps it); 0 when
     * there is no stream. One {@code XREVRANGE … COUNT 1}.
     */
    CompletionStage<Long> newestPosition() {
        return newestPosition(0);
    }

    /** {@link #newestPosition()} of partition {@code p}. */
    CompletionStage<Long> newestPosition(int p) {
        return call(
                () -> commands()
                        .xrevrange(keys.log(p), io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(1)),
                newest -> newest.isEmpty() ? 0L : Replies.position(newest.get(0).getId()));
    }

    /** Runs a prelude script on partition 0 (the only one of a single-partition log). */
    <R, T> CompletionStage<T> script(Script script, Function<R, T> decode, byte[]... args) {
        return script(script, 0, decode, args);
    }

    /**
     * Runs a prelude script on partition {@code p}: KEYS[1] the partition's log (for routing), ARGV
     * the partition's prefix, its floor, the retention, then {@code args}. The script may touch only
     * that partition's keys, and appends to that partition's log.
     */
    <R, T> CompletionStage<T> script(Script script, int p, Function<R, T> decode, byte[]... args) {
        byte[][] argv = new byte[args.length + 3][];
        argv[0] = keys.prefix(p);
        argv[1] = bytes(Long.toString(floors.get(p)));
        argv[2] = retention;
        System.arraycopy(args, 0, argv, 3, args.length);
        return call(() -> scripts().<R>run(script, new byte[][] {keys.log(p)}, argv), decode);
    }

    /**
     * Issues a command and decodes its reply; failures become {@link BackendUnavailableException} as
     * documented on {@link Failures#translate}.
     */
    <R, T> CompletionStage<T> call(Supplier<CompletionStage<R>> command, Function<R, T> decode) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletionStage<R> stage;
        try {
            stage = command.get();
        } catch (RuntimeException e) {
            result.completeExceptionally(Failures.translate(e, where));
            return result;
        }
        stage.whenComplete((reply, error) -> {
            if (error != null) {
                if (isReadOnly(error)) {
                    onReadOnly();
                }
                Throwable failure = Failures.translate(error, where);
                if (failure instanceof BackendUnavailableException) {
                    topologyMayHaveChanged();
                }
                result.completeExceptionally(failure);
                return;
            }
            try {
                result.complete(decode.apply(reply));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * Cluster mode: a command failed as unavailable (its master died, the cluster is down while it
     * fails over): reads the topology again, at most every {@link #CLUSTER_FAILURE_REFRESH_MIN}, so
     * that a promoted replica is used as soon as the cluster shows it rather than at the next
     * periodic or adaptive refresh.
     */
    private void topologyMayHaveChanged() {
        RedisClusterClient cluster = clusterClient;
        if (cluster == null || closed) {
            return;
        }
        long now = System.nanoTime();
        long last = lastFailureRefresh.get();
        if (now - last >= CLUSTER_FAILURE_REFRESH_MIN.toNanos() && lastFailureRefresh.compareAndSet(last, now)) {
            cluster.refreshPartitionsAsync();
        }
    }

    /** The commands every part issues: a standalone connection's, or a cluster connection's (routed by key). */
    RedisClusterAsyncCommands<byte[], byte[]> commands() {
        running();
        return Objects.requireNonNull(commands);
    }

    Scripts scripts() {
        running();
        return Objects.requireNonNull(scripts);
    }

    AbstractRedisClient running() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (!started) {
            throw new IllegalStateException("not started");
        }
        return Objects.requireNonNull(client);
    }

    /**
     * A command was answered {@code READONLY}: the connection is open to a replica, typically a master
     * that was demoted by a failover while the connection stayed up. Drops the connection (at most
     * once per {@link #RECONNECT_DELAY_MAX}, as the commands in flight all get the same answer) so that
     * Lettuce reconnects, which with a Sentinel URI asks the Sentinels where the master is now. The
     * command itself fails with {@link BackendUnavailableException}, like any command during a
     * failover.
     */
    private void onReadOnly() {
        StatefulConnection<byte[], byte[]> c;
        synchronized (this) {
            c = closed ? null : connection;
        }
        long now = System.nanoTime();
        long last = readOnlyDropAt.get();
        if (c == null || now - last < RECONNECT_DELAY_MAX.toNanos() || !readOnlyDropAt.compareAndSet(last, now)) {
            return;
        }
        log.warn("Redis at {} answered READONLY (a replica now): reconnecting to reach the master", where);
        RedisChannelWriter writer = ((RedisChannelHandler<?, ?>) c).getChannelWriter();
        while (writer instanceof Delegating<?> d && d.getDelegate() instanceof RedisChannelWriter inner) {
            writer = inner;
        }
        if (writer instanceof DefaultEndpoint endpoint) {
            endpoint.disconnect(); // the channel closes; Lettuce's watchdog reconnects
        } else if (c instanceof io.lettuce.core.api.StatefulRedisConnection<byte[], byte[]> standalone) {
            // not Lettuce's usual writer: have the server close this connection
            io.lettuce.core.api.async.RedisAsyncCommands<byte[], byte[]> a = standalone.async();
            a.clientId().thenCompose(id -> a.clientKill(KillArgs.Builder.id(id).skipme(false)));
        }
    }

    /**
     * With a Sentinel URI: subscribes to {@code +switch-master} on every Sentinel of the URI, in the
     * background (a Sentinel that cannot be reached is skipped; Lettuce resubscribes after a
     * reconnect). Each Sentinel publishes it once it knows the new master, so after the last one
     * every reconnect finds the new master whichever Sentinel it asks.
     */
    private void watchSentinels(RedisClient c) {
        RedisURI uri = options.redisUri();
        String masterId = uri.getSentinelMasterId();
        if (masterId == null || uri.getSentinels().isEmpty()) {
            return;
        }
        for (RedisURI sentinel : uri.getSentinels()) {
            sentinel.setTimeout(options.commandTimeout());
            CompletableFuture<StatefulRedisPubSubConnection<String, String>> connecting =
                    c.connectPubSubAsync(StringCodec.UTF8, sentinel).toCompletableFuture();
            pendingWatches.add(connecting);
            connecting.whenComplete((pubSub, error) -> {
                pendingWatches.remove(connecting);
                if (error != null) {
                    if (closed) {
                        return; // closed while connecting
                    }
                    log.warn(
                            "Cannot watch Redis Sentinel {}:{} for failovers: {}",
                            sentinel.getHost(),
                            sentinel.getPort(),
                            Failures.unwrap(error).toString());
                    return;
                }
                synchronized (this) {
                    if (closed) {
                        pubSub.closeAsync();
                        return;
                    }
                    sentinelWatches.add(pubSub);
                }
                pubSub.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        onSwitchMaster(masterId, message);
                    }
                });
                pubSub.async().subscribe("+switch-master");
            });
        }
    }

    /** {@code +switch-master <master-id> <old-ip> <old-port> <new-ip> <new-port>}. */
    private void onSwitchMaster(String masterId, String message) {
        String[] f = message.trim().split(" ");
        if (f.length != 5 || !f[0].equals(masterId) || closed) {
            return;
        }
        int oldPort;
        try {
            oldPort = Integer.parseInt(f[2]);
        } catch (NumberFormatException e) {
            return;
        }
        int dropped = 0;
        for (Channel ch : channels) {
            SocketAddress remote = ch.remoteAddress();
            if (remote instanceof InetSocketAddress a
                    && a.getPort() == oldPort
                    && (f[1].equals(a.getHostString())
                            || (a.getAddress() != null
                                    && f[1].equals(a.getAddress().getHostAddress())))) {
                ch.close(); // Lettuce's watchdog reconnects, asking the Sentinels
                dropped++;
            }
        }
        if (dropped == 0) {
            return; // another Sentinel's report of the same switch, or no connection there
        }
        log.warn(
                "Redis Sentinel: master {} moved from {}:{} to {}:{}; {} connection(s) to the old master dropped",
                masterId,
                f[1],
                f[2],
                f[3],
                f[4],
                dropped);
    }

    private static boolean isReadOnly(Throwable error) {
        Throwable c = Failures.unwrap(error);
        // Redis 7 refuses a writing script on a replica up front ("READONLY …"); older versions fail
        // the script's write ("ERR … -READONLY You can't write against a read only replica.")
        return c instanceof RedisCommandExecutionException
                && c.getMessage() != null
                && (c.getMessage().startsWith("READONLY") || c.getMessage().contains("READONLY You can't write"));
    }

    /** Remembers the highest position seen, the floor that keeps positions increasing after data loss. */
    long seen(long position) {
        return seen(0, position);
    }

    /** {@link #seen(long)} for partition {@code p}. */
    long seen(int p, long position) {
        floors.accumulateAndGet(p, position, Math::max);
        return position;
    }

    /** A multi-bulk reply of strings. */
    static List<String> stringReplies(Object r) {
        List<Object> reply = Replies.list(r);
        List<String> out = new ArrayList<>(reply.size());
        for (Object o : reply) {
            out.add(Replies.string(o));
        }
        return out;
    }

    static byte[] flag(boolean set) {
        return bytes(set ? "1" : "0");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
