package io.socketserve.bench.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling: the least a Netty server must do to serve the scenarios' SSE fan-out. It speaks just
 * enough of our protocol for the generator ({@code connect}, {@code message} with {@code join} and
 * {@code pub}, {@code sse}), keeps no log, no sessions beyond a map, and broadcasts by encoding the
 * whole chunk ({@code <size>CRLF id: n LF data: … LF LF CRLF}) once into one direct buffer and handing
 * it to each event loop that has members; the loop writes a retained duplicate to each of its members
 * and flushes each once per batch (the same batching the real server's per-loop writer does). Slow
 * readers are cut off at the same 1 MiB as the real server.
 */
public final class CeilingServer {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "/socket";
    private static final int MAX_BUFFER = 1024 * 1024;

    /** A room's members grouped by event loop; each list is touched only on its own loop. */
    private static final class Room {
        final ConcurrentHashMap<EventLoop, List<Channel>> byLoop = new ConcurrentHashMap<>();
    }

    private final Map<String, String> roomOf = new ConcurrentHashMap<>();
    private final Map<String, Room> rooms = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong positions = new AtomicLong();

    /**
     * Write coalescing experiment: a loop's batch runs this long after its first broadcast instead of
     * at once, so that each connection gets several frames per syscall at high rates (0: off).
     */
    private static long flushDelayMicros;

    private CeilingServer() {}

    public static void main(String[] args) throws Exception {
        int port = 0;
        int ioThreads = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--io-threads" -> ioThreads = Integer.parseInt(args[++i]);
                case "--flush-delay-micros" -> flushDelayMicros = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        CeilingServer ceiling = new CeilingServer();
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, factory);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(ioThreads, factory);
        Channel server = new ServerBootstrap()
                .group(boss, workers)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(
                        ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(MAX_BUFFER / 2, MAX_BUFFER))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("codec", new HttpServerCodec())
                                .addLast("aggregator", new HttpObjectAggregator(1024 * 1024))
                                .addLast("handler", ceiling.new Handler());
                    }
                })
                .bind("127.0.0.1", port)
                .sync()
                .channel();
        int bound = ((java.net.InetSocketAddress) server.localAddress()).getPort();
        Control.serve(bound, () -> {
            server.close().syncUninterruptibly();
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        });
        System.exit(0);
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private String streamId;
        private String streamRoom;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            String path = uri.path();
            String credential = req.headers().get("X-Socket-Serve-Session");
            if (credential == null && uri.parameters().containsKey("sessionId")) {
                credential = uri.parameters().get("sessionId").get(0);
            }
            String id = credential == null ? null : credential.substring(0, Math.max(0, credential.indexOf('.')));
            if (req.method() == HttpMethod.POST && path.equals(BASE + "/connect")) {
                String sid = String.format("c%015d", ids.incrementAndGet());
                String cred = sid + "." + "A".repeat(43);
                json(
                        ctx,
                        200,
                        "{\"sessionId\":\"" + cred + "\",\"id\":\"" + sid + "\",\"position\":" + positions.get()
                                + ",\"protocol\":1}");
            } else if (req.method() == HttpMethod.POST && path.equals(BASE + "/message") && id != null) {
                JsonNode body = JSON.readTree(new io.netty.buffer.ByteBufInputStream(req.content()));
                String event = body.path("event").asText();
                JsonNode data = body.path("data");
                if (event.equals("join")) {
                    roomOf.put(id, data.path("room").asText());
                } else if (event.equals("pub")) {
                    broadcast(data.path("room").asText(), id, JSON.writeValueAsBytes(data));
                }
                json(ctx, 200, "{\"success\":true}");
            } else if (req.method() == HttpMethod.GET && path.equals(BASE + "/sse") && id != null) {
                openStream(ctx, id);
            } else {
                json(ctx, 404, "{\"error\":\"not_found\",\"message\":\"no such endpoint\"}");
            }
        }

        private void openStream(ChannelHandlerContext ctx, String id) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            HttpUtil.setTransferEncodingChunked(head, true);
            ctx.write(head);
            byte[] connected = ("retry: 1000\ndata: {\"event\":\"connected\",\"data\":{\"id\":\"" + id + "\"}}\n\n")
                    .getBytes(StandardCharsets.UTF_8);
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(connected)));
            // From here on the connection carries pre-framed chunks: bypass the HTTP encoder.
            ctx.pipeline().get(HttpServerCodec.class).removeOutboundHandler();
            String room = roomOf.get(id);
            if (room == null) {
                return;
            }
            Channel ch = ctx.channel();
            EventLoop loop = ch.eventLoop();
            rooms.computeIfAbsent(room, r -> new Room())
                    .byLoop
                    .computeIfAbsent(loop, l -> new ArrayList<>())
                    .add(ch);
            this.streamId = id;
            this.streamRoom = room;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (streamRoom != null) {
                Room r = rooms.get(streamRoom);
                if (r != null) {
                    List<Channel> list = r.byLoop.get(ctx.channel().eventLoop());
                    if (list != null) {
                        list.remove(ctx.channel());
                    }
                }
                roomOf.remove(streamId);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * One event loop's pending broadcasts: drained by one task, which writes every pending chunk to
     * each member of its room on this loop and then flushes each written channel once, so that a
     * loop that falls behind sends several frames per syscall instead of one.
     */
    private static final class LoopQueue implements Runnable {
        record Item(List<Channel> members, ByteBuf chunk) {}

        final EventLoop loop;
        final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
        final AtomicBoolean scheduled = new AtomicBoolean();
        final Set<Channel> dirty = Collections.newSetFromMap(new IdentityHashMap<>());

        LoopQueue(EventLoop loop) {
            this.loop = loop;
        }

        void add(List<Channel> members, ByteBuf chunk) {
            queue.add(new Item(members, chunk));
            if (scheduled.compareAndSet(false, true)) {
                if (flushDelayMicros > 0) {
                    loop.schedule(this, flushDelayMicros, TimeUnit.MICROSECONDS);
                } else {
                    loop.execute(this);
                }
            }
        }

        @Override
        public void run() {
            scheduled.set(false);
            Item item;
            while ((item = queue.poll()) != null) {
                try {
                    List<Channel> members = item.members();
                    for (int i = 0; i < members.size(); i++) {
                        Channel ch = members.get(i);
                        if (!ch.isWritable()) {
                            ch.close(); // the client is not reading: cut it off, as the real server does
                            continue;
                        }
                        ch.write(item.chunk().retainedDuplicate(), ch.voidPromise());
                        dirty.add(ch);
                    }
                } finally {
                    item.chunk().release();
                }
            }
            for (Channel ch : dirty) {
                ch.flush();
            }
            dirty.clear();
        }
    }

    private final Map<EventLoop, LoopQueue> loops = new ConcurrentHashMap<>();

    /** Serialised so that positions and the order of the items queued on each loop agree. */
    private synchronized void broadcast(String roomName, String from, byte[] data) {
        Room room = rooms.get(roomName);
        if (room == null) {
            return;
        }
        byte[] frame = ("id: " + positions.incrementAndGet() + "\ndata: {\"event\":\"m\",\"data\":"
                        + new String(data, StandardCharsets.UTF_8) + ",\"timestamp\":" + System.currentTimeMillis()
                        + ",\"sessionId\":\"" + from + "\"}\n\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] size = (Integer.toHexString(frame.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuf chunk = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(size.length + frame.length + 2);
        chunk.writeBytes(size).writeBytes(frame).writeByte('\r').writeByte('\n');
        for (Map.Entry<EventLoop, List<Channel>> e : room.byLoop.entrySet()) {
            chunk.retain();
            loops.computeIfAbsent(e.getKey(), LoopQueue::new).add(e.getValue(), chunk);
        }
        chunk.release();
    }

    private static void json(ChannelHandlerContext ctx, int status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        HttpUtil.setContentLength(r, r.content().readableBytes());
        ctx.writeAndFlush(r)
                .addListener(status >= 400 ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE);
    }
}
