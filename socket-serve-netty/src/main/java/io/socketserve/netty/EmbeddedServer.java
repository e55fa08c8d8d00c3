package io.socketserve.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.socketserve.AdminOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.internal.Drain;
import io.socketserve.netty.internal.HttpInitializer;
import io.socketserve.transport.AdminRoutes;
import io.socketserve.transport.StaticResources;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link SocketServer} over HTTP/1.1 with Netty: {@code POST {base}/connect|message|disconnect},
 * {@code GET {base}/sse} (Server-Sent Events or polling), the browser client at {@code
 * /socket-serve.js}, and optionally static files from the classpath.
 *
 * <pre>{@code
 * SocketServer server = SocketServer.create();
 * try (EmbeddedServer http = EmbeddedServer.start(server, 8080)) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Network threads never run application code: requests are handed to the engine, whose handlers
 * run on the handler executor. Uses epoll when available, NIO otherwise. {@link #close()} stops
 * accepting, ends every stream with its final frame (a drain of at most {@link #CLOSE_GRACE}, unless
 * {@link #drain} ran first), closes every connection and shuts the event loops down; it does not
 * close the {@link SocketServer}.
 *
 * <p><b>Graceful shutdown</b> (rolling deploys, {@code docs/deploy.md}): {@link #drain} first, then
 * close the {@code SocketServer}, then this server:
 *
 * <pre>{@code
 * http.drain(Duration.ofSeconds(10)); // stop accepting, end streams, finish requests in progress
 * server.close();
 * http.close();
 * }</pre>
 */
public final class EmbeddedServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedServer.class);

    /** {@value} — default listen address (all interfaces). */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** {@value} bytes — largest request line + headers. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    /** {@value} ms — a request must arrive completely within this time (slow-request guard). */
    public static final int DEFAULT_REQUEST_TIMEOUT_MILLIS = 30_000;
    /**
     * How long {@link #close()} lets a drain that nobody began run before it cuts the connections:
     * long enough for every stream's final frame, not for slow handlers (call {@link #drain} for
     * those).
     */
    public static final Duration CLOSE_GRACE = Duration.ofMillis(500);
    /**
     * {@value} — sessions the warm-up sets up in-process before the server reports ready ({@link
     * Builder#warmUp}).
     */
    public static final int DEFAULT_WARM_UP_SESSIONS = 2000;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;
    private final ChannelGroup connections = new DefaultChannelGroup("socket-serve", GlobalEventExecutor.INSTANCE);
    private final int port;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final Drain drain = new Drain();
    private volatile @Nullable List<ChannelFuture> draining;
    private final @Nullable AdminRoutes admin;
    private final java.util.concurrent.CountDownLatch warm = new java.util.concurrent.CountDownLatch(1);

    private EmbeddedServer(Builder b) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerSocketChannel> channelType =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.boss = new MultiThreadIoEventLoopGroup(1, factory);
        this.workers = new MultiThreadIoEventLoopGroup(b.ioThreads, factory);
        int buffer = b.server.options().maxStreamBufferBytes();
        StaticResources statics = new StaticResources(b.staticRoot, b.serveClient);
        AdminRoutes admin = b.admin == null ? null : new AdminRoutes(b.server, b.admin);
        this.admin = admin;
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(buffer / 2, buffer))
                    .childHandler(new HttpInitializer(
                            io.socketserve.transport.SocketEndpoint.of(b.server),
                            b.server.options(),
                            statics,
                            b.maxHeaderBytes,
                            b.requestTimeoutMillis,
                            connections,
                            b.streamCompressionLevel,
                            drain,
                            b.healthChecks || b.metrics != null
                                    ? new io.socketserve.netty.internal.HealthRoutes(
                                            b.server::health, drain::draining, b.healthChecks, b.metrics, this::isWarm)
                                    : null,
                            admin));
            if (b.socketSendBufferBytes > 0) {
                bootstrap.childOption(ChannelOption.SO_SNDBUF, b.socketSendBufferBytes);
            }
            this.channel = bootstrap.bind(b.host, b.port).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            if (admin != null) {
                admin.close();
            }
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
        this.port = ((InetSocketAddress) channel.localAddress()).getPort();
        log.info(
                "socket-serve listening on http://{}:{}{} ({})",
                b.host,
                port,
                b.server.options().basePath(),
                epoll ? "epoll" : "nio");
        if (b.warmUpSessions > 0) {
            io.socketserve.netty.internal.WarmUp warmUp = new io.socketserve.netty.internal.WarmUp(
                    boss, workers, channelType, b.server.options(), b.maxHeaderBytes);
            io.socketserve.transport.SocketEndpoint endpoint = io.socketserve.transport.SocketEndpoint.of(b.server);
            java.time.Duration timeout = b.server.options().backendTimeout();
            Thread t = new Thread(() -> warmUp(warmUp, endpoint, timeout, b.warmUpSessions), "socket-serve-warm-up");
            t.setDaemon(true);
            t.start();
        } else {
            warm.countDown();
        }
    }

    private void warmUp(
            io.socketserve.netty.internal.WarmUp warmUp,
            io.socketserve.transport.SocketEndpoint endpoint,
            java.time.Duration timeout,
            int sessions) {
        long t0 = System.nanoTime();
        try {
            int done = warmUp.run(sessions, () -> closed.get() || draining != null);
            int lookups = endpoint.warmUpBackend(sessions, timeout, () -> closed.get() || draining != null);
            log.info(
                    "socket-serve on port {} warmed up: {} sessions and {} backend lookups in {} ms; ready",
                    port,
                    done,
                    lookups,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (closed.get() || draining != null) {
                // closed or draining while warming up: its connections were cut, nothing failed
                log.info("socket-serve on port {}: warm-up stopped, the server is closing", port);
            } else {
                // The warm-up only makes the first requests cheaper: the server works without it.
                log.warn("socket-serve on port {}: warm-up failed, ready without it", port, e);
            }
        } finally {
            warm.countDown();
        }
    }

    /**
     * Whether the warm-up ({@link Builder#warmUp}) has finished (or failed, or was off): until then
     * {@code GET /health/ready} answers {@code 503}. Requests are served meanwhile, only slower.
     *
     * @since 0.5
     */
    public boolean isWarm() {
        return warm.getCount() == 0;
    }

    /**
     * Waits until {@link #isWarm()}, at most {@code timeout}; a process that announces "ready"
     * itself (a log line, a service registry) calls this first.
     *
     * @return whether the warm-up finished within {@code timeout}
     * @since 0.5
     */
    public boolean awaitWarmUp(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout == null");
        try {
            return warm.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts on {@code port} (0: any free port) with the client served and no static files. */
    public static EmbeddedServer start(SocketServer server, int port) {
        return builder(server).port(port).start();
    }

    public static Builder builder(SocketServer server) {
        return new Builder(server);
    }

    /** The port it listens on. */
    public int port() {
        return port;
    }

    /** Event streams open on this server now (for instance to watch a {@link #drain}). */
    public int openStreams() {
        return drain.openStreams();
    }

    /**
     * Begins a graceful shutdown and waits until the work in progress is done or {@code timeout} has
     * passed:
     *
     * <ol>
     *   <li>closes the listening socket: new connections are refused, so a reverse proxy sends them to
     *       another instance;
     *   <li>ends every event stream with the final frame {@code __reconnect} and the last chunk of its
     *       response: with a shared backend the session lives on, and its client reconnects at once
     *       (through the proxy, to another instance) and resumes from its last position;
     *   <li>answers a waiting long-poll at once ({@code 200} with that frame, no {@code position}):
     *       the client polls again, elsewhere, from its own position;
     *   <li>lets every request in progress finish and answers it with {@code Connection: close}, so
     *       that a proxy sends nothing more here; closes idle keep-alive connections;
     *   <li>answers any request that still arrives on an open connection {@code 503} {@code
     *       {"error":"unavailable"}} with {@code Retry-After: 1} and {@code Connection: close}.
     * </ol>
     *
     * <p>Then close the {@code SocketServer}, and this server ({@link #close()} cuts whatever is
     * still open). A second call waits again for the same connections.
     *
     * @return {@code true} if every connection closed within {@code timeout}
     */
    public boolean drain(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout == null");
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ChannelFuture> pending;
        synchronized (drain) {
            if (closed.get()) {
                return true;
            }
            pending = draining;
            if (pending == null) {
                channel.close().syncUninterruptibly();
                pending = drain.begin(connections);
                draining = pending;
                log.info("socket-serve on port {} draining: {} connections to finish", port, pending.size());
            }
        }
        for (ChannelFuture f : pending) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !f.awaitUninterruptibly(TimeUnit.NANOSECONDS.toMillis(left) + 1)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Stops the server: idempotent; later calls return at once. Unless {@link #drain} ran first, it
     * drains for at most {@link #CLOSE_GRACE} (streams get their final frame), then closes whatever
     * is still open.
     */
    @Override
    public void close() {
        if (draining == null && !closed.get()) {
            drain(CLOSE_GRACE);
        }
        halt();
    }

    /**
     * Stops the server abruptly, as a crash would (for tests of failover): every connection is
     * closed at once, without a final frame or an answer. Idempotent, like {@link #close()}.
     */
    public void halt() {
        synchronized (drain) {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
        }
        if (admin != null) {
            admin.close();
        }
        channel.close().syncUninterruptibly();
        // Close every connection explicitly (open streams included) before the loops go away.
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Configures an {@link EmbeddedServer}. */
    public static final class Builder {
        private final SocketServer server;
        private String host = DEFAULT_HOST;
        private int port = 8080;
        private int ioThreads;
        private @Nullable String staticRoot;
        private boolean serveClient = true;
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private int requestTimeoutMillis = DEFAULT_REQUEST_TIMEOUT_MILLIS;
        private int socketSendBufferBytes;
        private int streamCompressionLevel;
        private boolean healthChecks = true;
        private @Nullable AdminOptions admin;
        private java.util.function.@Nullable Supplier<String> metrics;
        private int warmUpSessions = DEFAULT_WARM_UP_SESSIONS;

        private Builder(SocketServer server) {
            this.server = Objects.requireNonNull(server, "server == null");
        }

        /** Listen address; default {@link #DEFAULT_HOST}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host == null");
            return this;
        }

        /** Listen port; 0 picks a free one (see {@link EmbeddedServer#port()}). Default 8080. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** Event-loop threads; 0 (default) lets Netty choose (2 × cores). */
        public Builder ioThreads(int threads) {
            this.ioThreads = threads;
            return this;
        }

        /**
         * Serves classpath resources under this folder at the root path ({@code /} maps to {@code
         * index.html}); {@code null} (default) serves none.
         */
        public Builder staticResources(@Nullable String classpathRoot) {
            this.staticRoot = classpathRoot;
            return this;
        }

        /** Whether to serve the browser client at {@code /socket-serve.js} (default true). */
        public Builder serveClient(boolean serve) {
            this.serveClient = serve;
            return this;
        }

        /** Largest request line plus headers; default {@link #DEFAULT_MAX_HEADER_BYTES}. */
        public Builder maxHeaderBytes(int bytes) {
            this.maxHeaderBytes = bytes;
            return this;
        }

        /** Time for a request to arrive completely; default {@link #DEFAULT_REQUEST_TIMEOUT_MILLIS}. */
        public Builder requestTimeoutMillis(int millis) {
            this.requestTimeoutMillis = millis;
            return this;
        }

        /**
         * The kernel send buffer of each connection ({@code SO_SNDBUF}); 0 (default) leaves the
         * operating system's auto-tuning. The kernel holds up to this much for a client that does
         * not read, on top of {@code maxStreamBufferBytes} in the JVM: set it to bound that memory
         * too (a few tens of KiB is plenty for SSE).
         */
        public Builder socketSendBufferBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("bytes < 0: " + bytes);
            }
            this.socketSendBufferBytes = bytes;
            return this;
        }

        /**
         * Whether to answer {@code GET /health/live} and {@code GET /health/ready} (default {@code
         * true}), for load balancers and orchestrators. Live is {@code 200 {"status":"UP"}} while
         * the server answers; ready is {@code 200} with {@code "status":"UP"} when {@link
         * SocketServer#health()} is healthy and the server is not draining, {@code 503} with {@code
         * "status":"DOWN"} and the {@code problem} otherwise, with the details in both cases. Outside
         * the base path; off when an application serves these paths itself.
         *
         * @since 0.4
         */
        public Builder healthChecks(boolean enabled) {
            this.healthChecks = enabled;
            return this;
        }

        /**
         * Serves the admin page at {@code /admin} with these options (default {@code null}: off, and
         * {@code /admin} is an ordinary 404): every instance's uptime and version, sessions by
         * transport, the largest rooms and their members, events/s and deliveries/s, log reader lag
         * and recent problems, live; and, unless {@linkplain AdminOptions#readOnly() read-only},
         * actions on sessions and rooms. Everything under {@code /admin} requires the credential
         * (HTTP Basic). See {@code docs/admin.md}.
         *
         * <pre>{@code
         * EmbeddedServer.builder(server)
         *         .admin(AdminOptions.builder().password(System.getenv("ADMIN_PASSWORD")).build())
         *         .start();
         * }</pre>
         *
         * @since 0.4
         */
        public Builder admin(@Nullable AdminOptions options) {
            this.admin = options;
            return this;
        }

        /**
         * Answers {@code GET /metrics} with {@code prometheusText} (the Prometheus text exposition
         * format, {@code text/plain; version=0.0.4}), for a Prometheus scrape. Pass the scrape of a
         * Micrometer {@code PrometheusMeterRegistry} that has the server's meters bound
         * ({@code socket-serve-micrometer}'s {@code SocketServeMetrics}); the embedded server itself
         * needs no Micrometer. Off (404) by default. The text is produced on a thread of its own,
         * never on an event loop. Outside the base path, like the health checks.
         *
         * <pre>{@code
         * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
         * new SocketServeMetrics(server).bindTo(registry);
         * EmbeddedServer.builder(server).metrics(registry::scrape).start();
         * }</pre>
         *
         * @since 0.4
         */
        public Builder metrics(java.util.function.Supplier<String> prometheusText) {
            this.metrics = java.util.Objects.requireNonNull(prometheusText, "prometheusText == null");
            return this;
        }

        /**
         * Gzip-encodes Server-Sent Events streams, at this deflate level (1 fastest … 9 smallest; 0,
         * the default, never), for clients whose {@code Accept-Encoding} allows gzip (every browser).
         * Polling answers and other responses of 1 KiB or more are compressed regardless.
         *
         * <p>Off by default because of what it costs: every stream gets its own deflate state (about
         * 256 KiB of native memory with the JDK's zlib) and every frame is compressed once <em>per
         * recipient</em> instead of being encoded once and written as the same bytes to all of them
         * (2–5 µs per frame per connection here). It saves 75–80% of the bytes of a busy chat stream
         * (the {@code compression} scenario of socket-serve-bench). Turn it on when clients are on
         * slow or metered links and rooms are small — not for thousands of streams per instance.
         * Each frame is flushed at once: compression never delays a message.
         */
        public Builder streamCompression(int level) {
            if (level < 0 || level > 9) {
                throw new IllegalArgumentException("level must be 0..9: " + level);
            }
            this.streamCompressionLevel = level;
            return this;
        }

        /**
         * How many sessions the warm-up sets up before the server counts as ready (default {@link
         * #DEFAULT_WARM_UP_SESSIONS}; 0: no warm-up, ready at once). A fresh JVM runs the request
         * path interpreted at first: on a cold instance a reconnect storm costs several times the
         * CPU per session that it costs once the JIT compiler has done its work (issue 16,
         * docs/benchmarks.md). The warm-up runs after {@link #start()} returns, on a thread of its
         * own: it connects, streams, joins a room, receives a broadcast and disconnects, over
         * loopback HTTP, against a throwaway in-memory server on an ephemeral 127.0.0.1 port with
         * the same pipeline and event loops — never against this server's {@link SocketServer}, its
         * handlers or its backend, so it leaves no session and no key behind. Until it has finished,
         * {@code GET /health/ready} answers {@code 503} ({@code "problem":"warming up"}); {@link
         * EmbeddedServer#awaitWarmUp} waits for it.
         *
         * @since 0.5
         */
        public Builder warmUp(int sessions) {
            if (sessions < 0) {
                throw new IllegalArgumentException("sessions < 0: " + sessions);
            }
            this.warmUpSessions = sessions;
            return this;
        }

        /** Binds and starts serving. */
        public EmbeddedServer start() {
            try {
                return new EmbeddedServer(this);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while binding", e);
            }
        }
    }
}
