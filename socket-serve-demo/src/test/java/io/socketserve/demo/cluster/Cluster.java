package io.socketserve.demo.cluster;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.redis.RedisBackend;
import io.socketserve.redis.RedisBackendOptions;
import io.socketserve.redis.testing.RedisClusterProcesses;
import io.socketserve.redis.testing.RedisServerProcess;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Several socket-serve instances in this JVM sharing one real redis-server (started on a free port),
 * each with its own HTTP port, as a deployment behind a round-robin load balancer would be.
 */
final class Cluster implements AutoCloseable {

    /** One instance. */
    static final class Node {
        final SocketServer server;
        final EmbeddedServer http;
        final URI base;
        boolean alive = true;

        Node(SocketServer server, EmbeddedServer http) {
            this.server = server;
            this.http = http;
            this.base = URI.create("http://127.0.0.1:" + http.port() + "/socket");
        }

        /** Stops the instance abruptly: its connections drop, nothing is handed over. */
        void kill() {
            if (alive) {
                alive = false;
                http.halt(); // as a crash: no final frame, no answers
                server.close();
            }
        }
    }

    /** The standalone Redis this cluster owns, or null (a Redis Cluster, or a Redis owned elsewhere). */
    final RedisServerProcess redis;
    /** The Redis Cluster the instances use (owned by the test class), or null. */
    final RedisClusterProcesses redisCluster;

    final List<Node> nodes = new ArrayList<>();
    /** The key prefix of the instances on a Redis Cluster (the default one on a standalone Redis). */
    final String keyPrefix;

    Cluster(int size, Consumer<ServerOptions.Builder> options, Consumer<SocketServer> handlers) {
        this(new RedisServerProcess().start(), null, null, 1, size, options, handlers);
    }

    /** Instances on a Redis this cluster does not own (e.g. behind a {@code TcpForwarder}). */
    Cluster(String redisUri, int size, Consumer<ServerOptions.Builder> options, Consumer<SocketServer> handlers) {
        this(null, redisUri, null, 1, size, options, handlers);
    }

    /** Instances on a standalone Redis this cluster starts and owns, with a log of {@code partitions} partitions. */
    static Cluster standalone(
            int partitions, int size, Consumer<ServerOptions.Builder> options, Consumer<SocketServer> handlers) {
        return new Cluster(new RedisServerProcess().start(), null, null, partitions, size, options, handlers);
    }

    /** Instances on a Redis this cluster does not own (e.g. Sentinel-managed), with a log of {@code partitions} partitions. */
    Cluster(
            String redisUri,
            int partitions,
            int size,
            Consumer<ServerOptions.Builder> options,
            Consumer<SocketServer> handlers) {
        this(null, redisUri, null, partitions, size, options, handlers);
    }

    /**
     * Instances on a Redis Cluster (owned by the caller), with a log of {@code partitions}
     * partitions under a key prefix of their own.
     */
    Cluster(
            RedisClusterProcesses redisCluster,
            int partitions,
            int size,
            Consumer<ServerOptions.Builder> options,
            Consumer<SocketServer> handlers) {
        this(null, null, redisCluster, partitions, size, options, handlers);
    }

    private static final java.util.concurrent.atomic.AtomicInteger PREFIXES =
            new java.util.concurrent.atomic.AtomicInteger();

    private Cluster(
            RedisServerProcess redis,
            String redisUri,
            RedisClusterProcesses redisCluster,
            int partitions,
            int size,
            Consumer<ServerOptions.Builder> options,
            Consumer<SocketServer> handlers) {
        this.redis = redis;
        this.redisCluster = redisCluster;
        String uri = redis != null ? redis.uri() : redisUri;
        String prefix = "c" + PREFIXES.incrementAndGet();
        this.keyPrefix = redisCluster != null ? prefix : RedisBackendOptions.DEFAULT_KEY_PREFIX;
        for (int i = 0; i < size; i++) {
            RedisBackendOptions.Builder backendOptions = RedisBackendOptions.builder()
                    .commandTimeout(Duration.ofMillis(800))
                    .partitions(partitions);
            if (redisCluster != null) {
                backendOptions.clusterNodes(redisCluster.seedUris()).keyPrefix(prefix);
            } else {
                backendOptions.uri(uri);
            }
            ServerOptions.Builder b = ServerOptions.builder().backend(new RedisBackend(backendOptions.build()));
            options.accept(b);
            SocketServer server = SocketServer.create(b.build());
            handlers.accept(server);
            EmbeddedServer http = EmbeddedServer.builder(server)
                    .host("127.0.0.1")
                    .port(0)
                    .warmUp(0)
                    .start();
            nodes.add(new Node(server, http));
        }
    }

    /** Every key in the Redis; on a Redis Cluster (shared by a test class), every master's keys under this cluster's prefix. */
    List<String> keys() {
        if (redisCluster == null) {
            return RedisKeys.scan(redis);
        }
        List<String> keys = new ArrayList<>();
        for (int port : redisCluster.masterPorts()) {
            for (String key : RedisKeys.scan("redis://127.0.0.1:" + port)) {
                if (key.startsWith("{" + keyPrefix + "}") || key.startsWith("{" + keyPrefix + ".")) {
                    keys.add(key);
                }
            }
        }
        return keys;
    }

    /** The fewest Redis commands (over all masters) any of {@code tries} runs of {@code action} cost. */
    long fewestCommandsDuring(int tries, java.util.function.IntConsumer action) {
        List<String> uris = redisCluster == null
                ? List.of(redis.uri())
                : redisCluster.masterPorts().stream()
                        .map(p -> "redis://127.0.0.1:" + p)
                        .toList();
        return RedisKeys.fewestCommandsDuring(uris, tries, action);
    }

    /** {@code CLIENT PAUSE millis ALL} on the Redis (every master). */
    void pauseRedis(int millis) {
        if (redisCluster == null) {
            redis.tryCommand("CLIENT PAUSE " + millis + " ALL");
        } else {
            for (int port : redisCluster.masterPorts()) {
                redisCluster.tryCommand(port, "CLIENT", "PAUSE", Integer.toString(millis), "ALL");
            }
        }
    }

    Node node(int i) {
        return nodes.get(i);
    }

    /** A client of instance {@code i}. */
    TestClient client(int i) {
        return new TestClient(node(i).base);
    }

    /** A client of instance {@code i} acting for an existing session. */
    TestClient as(TestClient session, int i) {
        return new TestClient(node(i).base).withCredential(session.credential());
    }

    /** A client of a random live instance acting for an existing session (what a load balancer does). */
    TestClient anyAs(TestClient session) {
        List<Node> live = nodes.stream().filter(n -> n.alive).toList();
        Node n = live.get(ThreadLocalRandom.current().nextInt(live.size()));
        return new TestClient(n.base).withCredential(session.credential());
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            n.kill();
        }
        if (redis != null) {
            redis.close();
        }
    }
}
