package io.socketserve.bench.server;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.micrometer.SocketServeMetrics;
import io.socketserve.netty.EmbeddedServer;
import io.socketserve.redis.RedisBackend;
import io.socketserve.redis.RedisBackendOptions;
import java.util.List;

/**
 * The server side of the scenarios, run in its own JVM so that its CPU, RSS and heap can be measured
 * apart from the generator's: a {@link SocketServer} (in-memory, or Redis with {@code --redis
 * <uri>} — standalone or {@code redis-sentinel://…} — or {@code --redis-cluster <uri>,<uri>…}, its
 * log in {@code --redis-partitions <n>} partitions, default 1) behind an {@link EmbeddedServer} on 127.0.0.1, with two handlers — {@code join} ({@code
 * {"room":…}}) and {@code pub} (broadcasts its payload to {@code data.room} as event {@code m}). It prints {@code
 * READY} once the server's warm-up ({@code --warm-up <sessions>}, 0: none) has finished.
 *
 * <p>With {@code --metrics}, the {@code socketserve.*} meters are bound to a Prometheus registry,
 * {@code GET /metrics} serves it, and the registry is scraped once a second inside the server (a
 * Prometheus scraping every second: 15 times its usual rate), so a run measures what metrics cost.
 * Without it there is no registry (the engine's own counters, {@code SocketServer#stats()}, always
 * count: they cannot be turned off).
 *
 * <pre>
 * java -cp socket-serve-bench.jar io.socketserve.bench.server.BenchServer [--port 0] [--redis redis://…]
 *     [--redis-cluster redis://…,redis://…] [--redis-partitions 1] [--io-threads 0] [--metrics] [--warm-up 2000]
 * </pre>
 */
public final class BenchServer {

    private BenchServer() {}

    public static void main(String[] args) throws Exception {
        int port = 0;
        String redis = null;
        String redisCluster = null;
        int partitions = 1;
        int ioThreads = 0;
        boolean metrics = false;
        int warmUp = EmbeddedServer.DEFAULT_WARM_UP_SESSIONS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--redis" -> redis = args[++i];
                case "--redis-cluster" -> redisCluster = args[++i];
                case "--redis-partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--io-threads" -> ioThreads = Integer.parseInt(args[++i]);
                case "--metrics" -> metrics = true;
                case "--warm-up" -> warmUp = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        ServerOptions.Builder options = options();
        if (redis != null && redisCluster != null) {
            throw new IllegalArgumentException("--redis and --redis-cluster: use one of them");
        }
        if (redis != null) {
            options.backend(new RedisBackend(RedisBackendOptions.builder()
                    .uri(redis)
                    .partitions(partitions)
                    .build()));
        } else if (redisCluster != null) {
            options.backend(new RedisBackend(RedisBackendOptions.builder()
                    .clusterNodes(List.of(redisCluster.split(",")))
                    .partitions(partitions)
                    .build()));
        }
        SocketServer server = create(options.build());
        EmbeddedServer.Builder builder = EmbeddedServer.builder(server)
                .host("127.0.0.1")
                .port(port)
                .ioThreads(ioThreads)
                .serveClient(false)
                .warmUp(warmUp);
        java.util.concurrent.ScheduledExecutorService scraper = null;
        if (metrics) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new SocketServeMetrics(server).bindTo(registry);
            builder.metrics(registry::scrape);
            scraper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bench-metrics-scrape");
                t.setDaemon(true);
                return t;
            });
            scraper.scheduleAtFixedRate(registry::scrape, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        EmbeddedServer http = builder.start();
        // READY only once warm, as a readiness probe would see it (GET /health/ready).
        if (!http.awaitWarmUp(java.time.Duration.ofMinutes(2))) {
            throw new IllegalStateException("warm-up did not finish within 2 minutes");
        }
        java.util.concurrent.ScheduledExecutorService scrapes = scraper;
        Control.serve(http.port(), () -> {
            if (scrapes != null) {
                scrapes.shutdownNow();
            }
            http.close();
            server.close();
        });
        System.exit(0);
    }

    /**
     * The options of every benchmark server: defaults, except the per-session event rate limit and
     * the per-address connection rate limit, which are off — a load test is a handful of addresses
     * doing what thousands of clients would — and so is the per-session log byte budget, for the same
     * reason.
     */
    public static ServerOptions.Builder options() {
        return ServerOptions.builder()
                .eventRateLimit(0, 1)
                .connectionRateLimit(0, 1)
                .sessionLogBytesPerWindow(0);
    }

    /** The server with the scenarios' handlers. */
    public static SocketServer create(ServerOptions options) {
        SocketServer server = SocketServer.create(options);
        server.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
        server.on(
                "pub",
                (socket, data, ack) -> socket.broadcastToRoom(data.path("room").asText(), "m", data));
        return server;
    }
}
