package io.socketserve.bench.driver.sse;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollSocketChannel;
import io.socketserve.bench.driver.DriverStats;
import io.socketserve.bench.driver.StreamListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * One keep-alive HTTP/1.1 connection of the generator: requests one at a time, and finally, maybe, a
 * Server-Sent Events response that it parses in place and hands to a {@link StreamListener}.
 * Everything but {@link #request} and {@link #stream} runs on the channel's event loop.
 */
final class HttpConnection extends ChannelInboundHandlerAdapter implements ResponseParser.Handler, SseParser.Handler {

    /** A complete response. */
    record Response(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Told when a stream this connection carried ends. */
    interface StreamEnd {
        void streamEnded(HttpConnection connection, boolean beforeOpen);
    }

    private static final byte[] CONNECTED = "\"event\":\"connected\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MISSED = "\"event\":\"__missed\"".getBytes(StandardCharsets.US_ASCII);

    /** Longest wait for a response, or for a stream's {@code connected} frame. */
    static final long TIMEOUT_SECONDS = 30;

    private final DriverStats stats;
    private final boolean delayedAcks;
    private final ResponseParser parser = new ResponseParser(this);
    private final SseParser sse = new SseParser(this);
    // The last partitioned-log position (SSE id: text) received on this stream, for Last-Event-ID.
    private byte[] lastVector = new byte[32];
    private final int[] lastVectorLength = {-1};
    private @Nullable Channel channel;
    private @Nullable CompletableFuture<Response> pending;
    private @Nullable CompletableFuture<Void> pendingStream;
    private @Nullable StreamListener listener;
    private @Nullable StreamEnd streamEnd;
    private boolean opened;

    /**
     * @param delayedAcks whether a connection carrying a stream asks its kernel to delay ACKs
     *     ({@code TCP_QUICKACK} off, re-armed after every read: Linux leaves the delayed-ACK mode by
     *     itself, tcp(7))
     */
    HttpConnection(DriverStats stats, boolean delayedAcks) {
        this.stats = stats;
        this.delayedAcks = delayedAcks;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // Before the connect promise completes (its listeners run before channelActive).
        this.channel = ctx.channel();
    }

    Channel channel() {
        Channel c = channel;
        if (c == null) {
            throw new IllegalStateException("not connected");
        }
        return c;
    }

    /** Sends a request (bytes of a complete HTTP/1.1 request); completes with the response. */
    CompletableFuture<Response> request(ByteBuf request) {
        CompletableFuture<Response> f = new CompletableFuture<>();
        Channel ch = channel();
        runOnLoop(() -> {
            if (pending != null || pendingStream != null || listener != null) {
                request.release();
                f.completeExceptionally(new IllegalStateException("connection busy"));
                return;
            }
            if (!ch.isActive()) {
                request.release();
                f.completeExceptionally(new IOException("connection closed"));
                return;
            }
            pending = f;
            ch.writeAndFlush(request, ch.voidPromise());
            ch.eventLoop().schedule(() -> timeout(f), TIMEOUT_SECONDS, TimeUnit.SECONDS);
        });
        return f;
    }

    /** Sends a GET that opens a stream; completes when the {@code connected} frame arrived. */
    CompletableFuture<Void> stream(ByteBuf request, StreamListener listener, StreamEnd end) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Channel ch = channel();
        runOnLoop(() -> {
            if (pending != null || pendingStream != null || this.listener != null) {
                request.release();
                f.completeExceptionally(new IllegalStateException("connection busy"));
                return;
            }
            if (!ch.isActive()) {
                request.release();
                f.completeExceptionally(new IOException("connection closed"));
                return;
            }
            this.pendingStream = f;
            this.listener = listener;
            this.streamEnd = end;
            ch.writeAndFlush(request, ch.voidPromise());
            ch.eventLoop().schedule(() -> timeout(f), TIMEOUT_SECONDS, TimeUnit.SECONDS);
        });
        return f;
    }

    /** Fails a request or stream opening still waiting after {@link #TIMEOUT_SECONDS}, and closes. */
    private void timeout(CompletableFuture<?> f) {
        if (f.isDone()) {
            return;
        }
        fail(new TimeoutException("no answer within " + TIMEOUT_SECONDS + " s"));
        close();
    }

    private void runOnLoop(Runnable r) {
        Channel ch = channel();
        if (ch.eventLoop().inEventLoop()) {
            r.run();
        } else {
            ch.eventLoop().execute(r);
        }
    }

    void close() {
        Channel c = channel;
        if (c != null) {
            c.close();
        }
    }

    // ----------------------------------------------------------------------------------- inbound

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            parser.feed(buf);
        } catch (RuntimeException e) {
            fail(e);
            ctx.close();
        } finally {
            buf.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // A stream is one-way: without this the receiving kernel ACKs every small segment as soon as
        // it is read, and on loopback that ACK's whole trip through TCP/IP runs in the generator's
        // read() (about 40 % of the generator's CPU at 1,000 x 100 msg/s, perf). Clients on other
        // machines pay for their ACKs on their own CPUs; here they share the server's two cores.
        if (delayedAcks && listener != null && ctx.channel() instanceof EpollSocketChannel epoll) {
            epoll.config().setTcpQuickAck(false);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        parser.closed();
        fail(new IOException("connection closed"));
        ended();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause);
        ctx.close();
    }

    private void fail(Throwable cause) {
        CompletableFuture<Response> p = pending;
        pending = null;
        if (p != null) {
            p.completeExceptionally(cause);
        }
        CompletableFuture<Void> s = pendingStream;
        pendingStream = null;
        if (s != null) {
            s.completeExceptionally(cause);
        }
    }

    private void ended() {
        StreamEnd end = streamEnd;
        streamEnd = null;
        StreamListener l = listener;
        listener = null;
        if (end != null && l != null) {
            end.streamEnded(this, !opened);
        }
    }

    // ------------------------------------------------------------------------------ parser events

    @Override
    public boolean onHead(int status, String contentType) {
        return pendingStream != null && status == 200 && contentType.startsWith("text/event-stream");
    }

    @Override
    public void onBodyPart(ByteBuf buf, int index, int length) {
        sse.feed(buf, index, length);
    }

    @Override
    public void onResponse(int status, byte[] body) {
        CompletableFuture<Response> p = pending;
        pending = null;
        if (p != null) {
            p.complete(new Response(status, body));
            return;
        }
        CompletableFuture<Void> s = pendingStream;
        pendingStream = null;
        listener = null;
        streamEnd = null;
        if (s != null) {
            s.completeExceptionally(
                    new IOException("stream refused: " + status + " " + new String(body, StandardCharsets.UTF_8)));
        }
    }

    @Override
    public void onStreamEnd() {
        ended();
        close();
    }

    @Override
    public void onEvent(long id, byte[] data, int length) {
        StreamListener l = listener;
        if (l == null) {
            return;
        }
        if (id >= 0) {
            int had = lastVectorLength[0];
            lastVector = sse.vectorId(lastVector, lastVectorLength);
            if (lastVectorLength[0] < 0) {
                lastVectorLength[0] = had;
            }
            l.onMessage(id, data, length);
            return;
        }
        if (Bytes.indexOf(data, length, CONNECTED, 0) >= 0) {
            opened = true;
            CompletableFuture<Void> s = pendingStream;
            pendingStream = null;
            if (s != null) {
                s.complete(null);
            }
        } else if (Bytes.indexOf(data, length, MISSED, 0) >= 0) {
            stats.missedNotice();
        }
        // __disconnect: the server closes the stream right after; StreamEnd decides what to do.
    }

    /**
     * The text of the last partitioned-log position ({@code id:} of a frame) this stream received, or
     * null if it received none (or only single-partition positions, which the listener keeps).
     */
    @org.jspecify.annotations.Nullable
    String lastVectorId() {
        int n = lastVectorLength[0];
        return n < 0 ? null : new String(lastVector, 0, n, StandardCharsets.US_ASCII);
    }

    @Override
    public void onComment() {
        stats.keepalive();
    }
}
