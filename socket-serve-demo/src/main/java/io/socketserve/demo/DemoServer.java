package io.socketserve.demo;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.socketserve.AdminOptions;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.micrometer.SocketServeMetrics;
import io.socketserve.netty.EmbeddedServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The demo server: the seed page's examples on an embedded server, pages at {@code /}, the socket
 * endpoint at {@code /socket}, the client at {@code /socket-serve.js}.
 *
 * <pre>
 * mvn -q -pl socket-serve-demo -am test-compile exec:java          # in-memory, port 8080
 * mvn -q -pl socket-serve-demo -am test-compile exec:java -Dexec.args="--port 9000"
 * </pre>
 */
@Command(
        name = "socket-serve-demo",
        mixinStandardHelpOptions = true,
        description = "Runs the socket-serve demo server (chat, game lobby, dashboard, collaborative editing).")
public final class DemoServer implements Callable<Integer> {

    @Option(names = "--port", description = "HTTP port (env PORT; default 8080).", defaultValue = "${env:PORT:-8080}")
    int port;

    @Option(names = "--host", description = "Listen address (default 0.0.0.0).", defaultValue = "0.0.0.0")
    String host = "0.0.0.0";

    @Option(
            names = "--redis",
            description = "Redis URL (env REDIS_URL): redis://[:password@]host:6379[/db], rediss://… (TLS), or"
                    + " redis-sentinel://[:password@]s1:26379,s2:26379,s3:26379[/db]#masterId to find the"
                    + " master through Redis Sentinel and follow it on failover; in-memory when absent.",
            defaultValue = "${env:REDIS_URL}")
    @Nullable
    String redis;

    @Option(
            names = "--redis-cluster",
            paramLabel = "URL[,URL…]",
            description = "Seed nodes of a Redis Cluster, comma-separated (env REDIS_CLUSTER_URLS); not with --redis.",
            defaultValue = "${env:REDIS_CLUSTER_URLS}")
    @Nullable
    String redisCluster;

    @Option(
            names = "--redis-partitions",
            paramLabel = "N",
            description = "Partitions of the Redis log (env REDIS_PARTITIONS; default 1), with --redis or"
                    + " --redis-cluster: fixed for the life of the data (every instance must use the same N);"
                    + " on a Redis Cluster, a few per master (e.g. 12 on 3 masters) spread the log over them.",
            defaultValue = "${env:REDIS_PARTITIONS:-1}")
    int redisPartitions = 1;

    @CommandLine.Spec
    CommandLine.Model.@Nullable CommandSpec spec;

    @Option(
            names = "--stream-compression",
            description = "gzip level 1..9 for event streams of clients that accept it (env STREAM_COMPRESSION;"
                    + " default 0: off). See docs/presence.md#compression.",
            defaultValue = "${env:STREAM_COMPRESSION:-0}")
    int streamCompression;

    @Option(
            names = "--admin-password",
            description = "Turns the admin page on at /admin (env ADMIN_PASSWORD; off when absent: /admin is 404),"
                    + " with HTTP Basic user 'admin' and this password (8 characters or more). See docs/admin.md.",
            defaultValue = "${env:ADMIN_PASSWORD}")
    @Nullable
    String adminPassword;

    @Option(
            names = "--admin-actions",
            description = "Lets the admin page act (disconnect a session, make it leave a room, broadcast a test"
                    + " message); read-only otherwise (env ADMIN_ACTIONS=true).",
            defaultValue = "${env:ADMIN_ACTIONS:-false}")
    boolean adminActions;

    @Option(
            names = "--drain-millis",
            description = "On SIGTERM, how long requests in progress may take to finish before the server stops"
                    + " (env DRAIN_MILLIS; default 2000). See docs/deploy.md.",
            defaultValue = "${env:DRAIN_MILLIS:-2000}")
    long drainMillis = DRAIN_TIMEOUT.toMillis();

    @Option(
            names = "--warm-up",
            description = "Sessions the server sets up in-process (against a throwaway in-memory server) before it"
                    + " reports ready: GET /health/ready is 503 until then (env WARM_UP; default 2000; 0: none)."
                    + " See docs/deploy.md.",
            defaultValue = "${env:WARM_UP:-2000}")
    int warmUp = EmbeddedServer.DEFAULT_WARM_UP_SESSIONS;

    /** A running demo: the socket server and its HTTP server. */
    public record Running(SocketServer server, EmbeddedServer http) implements AutoCloseable {
        public int port() {
            return http.port();
        }

        @Override
        public void close() {
            http.close();
            server.close();
        }

        /**
         * Stops for a rolling deploy (what SIGTERM does): drains the HTTP server (stops accepting,
         * ends each event stream with {@code __reconnect} so that its client resumes at once on
         * another instance, answers waiting long-polls, answers new requests {@code 503}, lets
         * requests in progress finish, at most {@code timeout}), then closes the socket server and
         * the HTTP server. Returns whether the drain finished in time.
         */
        public boolean shutdownGracefully(Duration timeout) {
            boolean drained = http.drain(timeout);
            server.close();
            http.close();
            return drained;
        }
    }

    /** How long SIGTERM lets requests in progress finish by default ({@code --drain-millis}, docs/deploy.md). */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

    /** Starts the demo in-memory on {@code host}:{@code port} (0: a free port). */
    public static Running start(String host, int port) {
        return start(ServerOptions.builder().allowedOrigins(List.of("*")).build(), host, port);
    }

    /** Starts the demo with the given options. */
    public static Running start(ServerOptions options, String host, int port) {
        return start(options, host, port, 0);
    }

    /**
     * Starts the demo with the given options, gzip-encoding event streams at that level (0: not).
     * This is what {@code main} runs: the demo's handlers and pages, nothing else (the test suites'
     * helper events are registered by the tests themselves, on the running server). {@code GET
     * /metrics} (Prometheus text: the {@code socketserve.*} meters and the JVM's) and {@code GET
     * /health/live}, {@code /health/ready} are always on (docs/operations.md).
     */
    public static Running start(ServerOptions options, String host, int port, int streamCompression) {
        return start(options, host, port, streamCompression, null, 0);
    }

    /**
     * As {@link #start(ServerOptions, String, int, int)}, with the admin page at {@code /admin} when
     * {@code admin} is not null ({@code --admin-password}).
     */
    public static Running start(
            ServerOptions options, String host, int port, int streamCompression, @Nullable AdminOptions admin) {
        return start(options, host, port, streamCompression, admin, 0);
    }

    /**
     * As {@link #start(ServerOptions, String, int, int)}, with a warm-up of {@code warmUp} sessions
     * ({@link EmbeddedServer.Builder#warmUp}; the other overloads start without one).
     */
    public static Running start(ServerOptions options, String host, int port, int streamCompression, int warmUp) {
        return start(options, host, port, streamCompression, null, warmUp);
    }

    /** As {@link #start(ServerOptions, String, int, int, AdminOptions)}, with a warm-up of {@code warmUp} sessions. */
    public static Running start(
            ServerOptions options,
            String host,
            int port,
            int streamCompression,
            @Nullable AdminOptions admin,
            int warmUp) {
        SocketServer server = SocketServer.create(options);
        SeedRooms.register(server);
        DemoPages.register(server);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new SocketServeMetrics(server).bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        EmbeddedServer http = EmbeddedServer.builder(server)
                .host(host)
                .port(port)
                .staticResources("static")
                .streamCompression(streamCompression)
                .admin(admin)
                .metrics(registry::scrape)
                .warmUp(warmUp)
                .start();
        return new Running(server, http);
    }

    @Override
    public Integer call() throws Exception {
        ServerOptions.Builder options = ServerOptions.builder().allowedOrigins(List.of("*"));
        boolean standalone = redis != null && !redis.isBlank();
        boolean cluster = redisCluster != null && !redisCluster.isBlank();
        if (standalone && cluster) {
            throw new CommandLine.ParameterException(
                    java.util.Objects.requireNonNull(spec).commandLine(),
                    "--redis (REDIS_URL) and --redis-cluster (REDIS_CLUSTER_URLS) are both set: use one of them");
        }
        if (redisPartitions < 1 || redisPartitions > io.socketserve.spi.Partitions.MAX) {
            System.err.println("Invalid --redis-partitions / REDIS_PARTITIONS: must be 1.."
                    + io.socketserve.spi.Partitions.MAX + ", got " + redisPartitions);
            return 2;
        }
        if (redisPartitions > 1 && !standalone && !cluster) {
            System.err.println("--redis-partitions / REDIS_PARTITIONS is ignored without --redis or --redis-cluster");
        }
        try {
            if (standalone) {
                options.backend(RedisSupport.backend(redis, redisPartitions));
            } else if (cluster) {
                options.backend(RedisSupport.clusterBackend(redisCluster, redisPartitions));
            }
        } catch (IllegalArgumentException e) { // the message never holds the password
            System.err.println(
                    (standalone ? "Invalid --redis / REDIS_URL: " : "Invalid --redis-cluster / REDIS_CLUSTER_URLS: ")
                            + e.getMessage());
            return 2;
        }
        AdminOptions admin = null;
        if (adminPassword != null && !adminPassword.isEmpty()) {
            try {
                admin = AdminOptions.builder()
                        .password(adminPassword)
                        .readOnly(!adminActions)
                        .build();
            } catch (IllegalArgumentException e) {
                System.err.println("Invalid --admin-password / ADMIN_PASSWORD: " + e.getMessage());
                return 2;
            }
        }
        Running running = start(options.build(), host, port, streamCompression, admin, warmUp);
        // The port takes requests from here on, warm-up or not: SIGTERM drains from here on too.
        CountDownLatch stop = new CountDownLatch(1);
        Duration budget = Duration.ofMillis(Math.max(0, drainMillis));
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            // SIGTERM (or the end of main): the graceful drain, bounded by the budget.
                            long started = System.nanoTime();
                            int streams = running.http().openStreams();
                            boolean drained = running.shutdownGracefully(budget);
                            System.err.printf(
                                    "socket-serve demo stopped in %d ms (%d streams; requests in progress %s)%n",
                                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                                    streams,
                                    drained ? "all finished" : "cut off after " + budget.toMillis() + " ms");
                            stop.countDown();
                        },
                        "socket-serve-shutdown"));
        // "Ready" only once warm (issue 16): GET /health/ready answers 503 until the same moment.
        running.http().awaitWarmUp(Duration.ofMinutes(5));
        System.out.printf(
                "socket-serve demo ready on http://localhost:%d/  (pages: chat, lobby, dashboard, editor, rooms; endpoint: /socket; backend: %s)%n",
                running.port(), standalone ? "redis" : cluster ? "redis-cluster" : "in-memory");
        if (admin != null) {
            System.out.printf(
                    "admin page on http://localhost:%d/admin (user %s, %s)%n",
                    running.port(), admin.user(), admin.readOnly() ? "read-only" : "actions enabled");
        }
        stop.await();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoServer()).execute(args));
    }
}
