package io.socketserve.bench.driver.sse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.socketserve.bench.driver.ClientSession;
import io.socketserve.bench.driver.DriverStats;
import io.socketserve.bench.driver.ProtocolDriver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * Our protocol (docs/protocol.md, v1) over HTTP/1.1: {@code POST {base}/connect}, {@code POST
 * {base}/message}, {@code GET {base}/sse}. Each session uses one keep-alive connection for its POSTs,
 * which then carries its event stream; a session that emits after opening its stream gets a second
 * connection. Connections are bound to local addresses 127.0.0.2, 127.0.0.3, … in turn, so that more
 * than one address's ~28k ephemeral ports are available.
 */
public final class SseDriver implements ProtocolDriver {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<InetSocketAddress> servers;
    private final List<InetAddress> sources;
    private final String basePath;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final boolean epoll;
    private final DriverStats stats = new DriverStats();
    private final AtomicInteger nextSource = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param servers the instances (host and port) to spread sessions over
     * @param sourceAddresses how many loopback source addresses to use (127.0.0.2 onwards)
     * @param ioThreads event-loop threads of the generator
     */
    public SseDriver(List<InetSocketAddress> servers, String basePath, int sourceAddresses, int ioThreads) {
        this(servers, basePath, sourceAddresses, ioThreads, true);
    }

    /**
     * @param servers the instances (host and port) to spread sessions over
     * @param sourceAddresses how many loopback source addresses to use (127.0.0.2 onwards)
     * @param ioThreads event-loop threads of the generator
     * @param delayedAcks whether stream connections delay their ACKs (with epoll): on loopback every
     *     ACK costs the generator a trip through the kernel's TCP/IP stack, CPU the server then lacks
     */
    public SseDriver(
            List<InetSocketAddress> servers, String basePath, int sourceAddresses, int ioThreads, boolean delayedAcks) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("servers is empty");
        }
        this.servers = List.copyOf(servers);
        this.basePath = basePath;
        this.sources = new ArrayList<>();
        for (int i = 0; i < sourceAddresses; i++) {
            try {
                sources.add(InetAddress.getByAddress(new byte[] {127, 0, (byte) ((2 + i) >> 8), (byte) (2 + i)}));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        this.epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(
                ioThreads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 15_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("http", new HttpConnection(stats, delayedAcks));
                    }
                });
        if (epoll) {
            // Pick the ephemeral port at connect time, per (source, destination) pair (Linux ≥ 4.2).
            b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        this.bootstrap = b;
    }

    @Override
    public String name() {
        return "sse-http1";
    }

    @Override
    public int instances() {
        return servers.size();
    }

    @Override
    public DriverStats stats() {
        return stats;
    }

    /** Whether the native epoll transport is in use. */
    public boolean epoll() {
        return epoll;
    }

    String basePath() {
        return basePath;
    }

    boolean closed() {
        return closed;
    }

    /** A new connection to an instance, bound to the next source address. */
    CompletableFuture<HttpConnection> open(int instance) {
        CompletableFuture<HttpConnection> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new IOException("driver closed"));
            return f;
        }
        InetAddress source = sources.get(Math.floorMod(nextSource.getAndIncrement(), sources.size()));
        ChannelFuture cf = bootstrap.connect(servers.get(instance), new InetSocketAddress(source, 0));
        cf.addListener(done -> {
            if (done.isSuccess()) {
                stats.connectionOpened();
                Channel ch = cf.channel();
                f.complete(ch.pipeline().get(HttpConnection.class));
            } else {
                stats.connectFailed();
                f.completeExceptionally(done.cause());
            }
        });
        return f;
    }

    @Override
    public CompletionStage<ClientSession> connect(int instance) {
        return open(instance).thenCompose(conn -> conn.request(post(basePath + "/connect", null, new byte[] {'{', '}'}))
                .thenApply(r -> {
                    if (r.status() != 200) {
                        conn.close();
                        throw new IllegalStateException("connect answered " + r.status() + ": " + r.text());
                    }
                    try {
                        JsonNode body = JSON.readTree(r.body());
                        return new SseSession(
                                this,
                                instance,
                                conn,
                                body.get("sessionId").asText(),
                                body.path("id").asText());
                    } catch (IOException e) {
                        conn.close();
                        throw new IllegalStateException("connect answer is not JSON: " + r.text(), e);
                    }
                }));
    }

    @Override
    public CompletionStage<Integer> connectSequentially(int instance, int count, LongConsumer latencyNanos) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        open(instance).whenComplete((conn, error) -> {
            if (error != null) {
                done.complete(0);
                return;
            }
            next(conn, count, 0, latencyNanos, done);
        });
        return done;
    }

    private void next(
            HttpConnection conn, int count, int made, LongConsumer latencyNanos, CompletableFuture<Integer> done) {
        if (made >= count) {
            conn.close();
            done.complete(made);
            return;
        }
        long t0 = System.nanoTime();
        conn.request(post(basePath + "/connect", null, new byte[] {'{', '}'})).whenComplete((r, error) -> {
            if (error != null || r.status() != 200) {
                conn.close();
                done.complete(made);
                return;
            }
            latencyNanos.accept(System.nanoTime() - t0);
            next(conn, count, made + 1, latencyNanos, done);
        });
    }

    static ByteBuf post(String path, String credential, byte[] body) {
        StringBuilder head = new StringBuilder(160)
                .append("POST ")
                .append(path)
                .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n");
        if (credential != null) {
            head.append("X-Socket-Serve-Session: ").append(credential).append("\r\n");
        }
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
        return Unpooled.wrappedBuffer(h, body);
    }

    static ByteBuf getStream(String path, String credential, long lastEventId) {
        return getStream(path, credential, lastEventId >= 0 ? Long.toString(lastEventId) : null);
    }

    /** A stream request resuming after {@code lastEventId} (a position's text form), or from now if null. */
    static ByteBuf getStream(String path, String credential, @org.jspecify.annotations.Nullable String lastEventId) {
        StringBuilder head = new StringBuilder(160)
                .append("GET ")
                .append(path)
                .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n")
                .append("X-Socket-Serve-Session: ")
                .append(credential)
                .append("\r\n");
        if (lastEventId != null) {
            head.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
        }
        head.append("\r\n");
        return Unpooled.wrappedBuffer(head.toString().getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void close() {
        closed = true;
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
