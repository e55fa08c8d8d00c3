package io.socketserve.netty.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.socketserve.PayloadValidator;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.StaticResources;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Issue 16: a fresh JVM interprets and compiles the request path while the first clients wait, so a
 * reconnect storm on a just-started instance costs several times what it costs later. Before the
 * instance reports ready, this runs the whole path in-process — HTTP decoding, {@code POST
 * /connect}, the event stream, {@code POST /message} with a join and a room broadcast, {@code POST
 * /disconnect} — {@code sessions} times, against a <em>throwaway</em> server: a {@link SocketServer}
 * with its own {@link InMemoryBackend} and two handlers of its own, served by a second listening
 * socket on 127.0.0.1 (an ephemeral port) on the real server's event loops, with the real pipeline
 * ({@link HttpInitializer}). The same classes and methods get hot as for real traffic; nothing of
 * it reaches the application's server, its handlers, its middleware or its backend (no session, no
 * Redis key). Afterwards the throwaway socket, its connections and its server are closed, and the
 * server warms its backend's client with reads that change nothing ({@code
 * SocketEndpoint#warmUpBackend}, called by {@code EmbeddedServer}).
 *
 * <p>Runs on the calling thread; stops early when {@code stop} says so.
 */
public final class WarmUp {

    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Class<? extends ServerSocketChannel> channelType;
    private final ServerOptions options;
    private final int maxHeaderBytes;

    public WarmUp(
            EventLoopGroup boss,
            EventLoopGroup workers,
            Class<? extends ServerSocketChannel> channelType,
            ServerOptions options,
            int maxHeaderBytes) {
        this.boss = boss;
        this.workers = workers;
        this.channelType = channelType;
        this.options = options;
        this.maxHeaderBytes = maxHeaderBytes;
    }

    /**
     * The options of the throwaway server: the application's, except its backend (a new in-memory
     * one), its executor (the throwaway's own), its payload validator (none: application code) and
     * the limits that a thousand requests from one address would hit.
     */
    static ServerOptions throwawayOptions(ServerOptions options) {
        return options.toBuilder()
                .backend(new InMemoryBackend())
                .handlerExecutor(null)
                .payloadValidator(PayloadValidator.NONE)
                .clientAddressHeader(null)
                .allowedOrigins(java.util.List.of())
                .connectionRateLimit(0, 1)
                .eventRateLimit(0, 1)
                .sessionLogBytesPerWindow(0)
                .maxSessions(Math.max(options.maxSessions(), 1000))
                .build();
    }

    /**
     * Runs {@code sessions} set-ups (and every tenth a broadcast it receives) against a throwaway
     * server; returns how many completed.
     */
    public int run(int sessions, BooleanSupplier stop) throws IOException, InterruptedException {
        ServerOptions throwaway = throwawayOptions(options);
        SocketServer server = SocketServer.create(throwaway);
        server.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
        server.on("pub", (socket, data, ack) -> server.to(data.path("room").asText())
                .emit("m", data));
        ChannelGroup connections = new DefaultChannelGroup("socket-serve-warm-up", GlobalEventExecutor.INSTANCE);
        Channel listener = null;
        try {
            listener = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new HttpInitializer(
                            SocketEndpoint.of(server),
                            throwaway,
                            new StaticResources(null, false),
                            maxHeaderBytes,
                            10_000,
                            connections,
                            0,
                            new Drain(),
                            null,
                            null))
                    .bind(InetAddress.getLoopbackAddress(), 0)
                    .sync()
                    .channel();
            InetSocketAddress address = (InetSocketAddress) listener.localAddress();
            String base = throwaway.basePath().equals("/") ? "" : throwaway.basePath();
            int done = 0;
            while (done < sessions && !stop.getAsBoolean()) {
                oneSession(address, base, done);
                done++;
            }
            return done;
        } finally {
            // Once the server is closing, its event loops close these channels themselves (and
            // refuse the listener tasks a close from here would submit).
            if (!boss.isShuttingDown() && !workers.isShuttingDown()) {
                if (listener != null) {
                    listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
                }
                connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            server.close();
        }
    }

    /** Connect, stream, join, (broadcast), disconnect: what a browser does, over two connections. */
    private static void oneSession(InetSocketAddress address, String base, int i) throws IOException {
        try (Socket stream = connect(address);
                Socket control = connect(address)) {
            InputStream controlIn = new java.io.BufferedInputStream(control.getInputStream());
            String connected = new String(
                    exchange(control, controlIn, post(base + "/connect", null, "{}"), true), StandardCharsets.UTF_8);
            String credential = field(connected, "sessionId");
            OutputStream out = stream.getOutputStream();
            out.write(("GET " + base + "/sse HTTP/1.1\r\nHost: warm-up\r\nAccept: text/event-stream\r\n"
                            + "X-Socket-Serve-Session: " + credential + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            readUntil(stream.getInputStream(), "connected");
            String room = "warm-up-" + (i % 10);
            exchange(
                    control,
                    controlIn,
                    post(base + "/message", credential, "{\"event\":\"join\",\"data\":{\"room\":\"" + room + "\"}}"),
                    true);
            if (i % 10 == 0) {
                exchange(
                        control,
                        controlIn,
                        post(
                                base + "/message",
                                credential,
                                "{\"event\":\"pub\",\"data\":{\"room\":\"" + room + "\",\"seq\":" + i + "}}"),
                        true);
                readUntil(stream.getInputStream(), "\"seq\":" + i);
            }
            exchange(control, controlIn, post(base + "/disconnect", credential, "{}"), false);
        }
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(10_000);
        s.connect(address, 10_000);
        return s;
    }

    private static byte[] post(String path, @Nullable String credential, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return ("POST " + path + " HTTP/1.1\r\nHost: warm-up\r\nContent-Type: application/json\r\n"
                        + (credential == null ? "" : "X-Socket-Serve-Session: " + credential + "\r\n")
                        + "Content-Length: " + b.length + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Sends a request and reads its answer (a {@code Content-Length} body); the body if {@code ok} is required. */
    private static byte[] exchange(Socket s, InputStream in, byte[] request, boolean requireOk) throws IOException {
        s.getOutputStream().write(request);
        s.getOutputStream().flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream(256);
        int matched = 0;
        while (matched < HEADER_END.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("warm-up: connection closed before the answer");
            }
            head.write(b);
            matched = b == HEADER_END[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        if (requireOk && !headers.startsWith("HTTP/1.1 200")) {
            throw new IOException(
                    "warm-up: unexpected answer " + headers.lines().findFirst().orElse(""));
        }
        return body;
    }

    private static void readUntil(InputStream in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (seen.indexOf(marker) < 0) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("warm-up: stream closed before " + marker);
            }
            seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
    }

    private static String field(String json, String name) throws IOException {
        String key = "\"" + name + "\":\"";
        int at = json.indexOf(key);
        int end = at < 0 ? -1 : json.indexOf('"', at + key.length());
        if (end < 0) {
            throw new IOException("warm-up: no " + name + " in " + json);
        }
        return json.substring(at + key.length(), end);
    }
}
