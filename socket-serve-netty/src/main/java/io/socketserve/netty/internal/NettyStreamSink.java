package io.socketserve.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import io.socketserve.transport.Frame;
import io.socketserve.transport.HttpPolicy;
import io.socketserve.transport.StreamDeflater;
import io.socketserve.transport.StreamSink;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A Server-Sent Events response on one connection.
 *
 * <p>Back-pressure: bytes handed over but not yet written count against {@code maxBytes} (the
 * server's {@code maxStreamBufferBytes}); so does Netty's outbound buffer, through the channel's
 * write-buffer high-water mark, which is set to the same limit. Past either, the connection is
 * closed — the client resumes from its last event id — and {@link #send} returns {@code false}.
 *
 * <p>Threads: {@link #send}, {@link #writable}, {@link #bufferedBytes} and {@link #close} run on the
 * engine's dispatcher thread and touch the channel only through its thread-safe public methods
 * ({@code isWritable}, {@code bytesBeforeUnwritable}, {@code config}); everything else happens on
 * the event loop.
 */
final class NettyStreamSink implements StreamSink {

    private record Open(Frame preamble) {}

    private record Close(@Nullable Frame last) {}

    private final Channel channel;
    private final LoopWriter writer;
    private final long keepaliveNanos;
    private final long maxBytes;
    private final @Nullable Map<String, String> cors;
    private final byte[] heartbeat;
    /** Non-null when this stream is gzip-encoded (opt-in); event loop only. */
    private final @Nullable StreamDeflater deflater;

    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean closeNotified = new AtomicBoolean();
    private volatile boolean closed;
    // event loop only
    private boolean dirty;
    private long lastWriteNanos = System.nanoTime();
    private @Nullable ScheduledFuture<?> keepalive;

    NettyStreamSink(
            Channel channel,
            LoopWriter writer,
            long keepaliveMillis,
            long maxBytes,
            @Nullable Map<String, String> cors,
            boolean pingFrames,
            int compressionLevel) {
        this.heartbeat = HttpPolicy.heartbeat(pingFrames);
        this.deflater = compressionLevel > 0 ? new StreamDeflater(compressionLevel) : null;
        if (deflater != null) {
            // Closing runs on the event loop, like every use of the deflater.
            channel.closeFuture().addListener(f -> deflater.end());
        }
        this.channel = channel;
        this.writer = writer;
        this.keepaliveNanos = TimeUnit.MILLISECONDS.toNanos(keepaliveMillis);
        this.maxBytes = maxBytes;
        this.cors = cors;
    }

    @Override
    public void onClose(Runnable listener) {
        channel.closeFuture().addListener(f -> {
            closed = true;
            if (keepalive != null) {
                keepalive.cancel(false);
            }
            if (closeNotified.compareAndSet(false, true)) {
                listener.run();
            }
        });
    }

    @Override
    public void open(Frame preamble) {
        writer.enqueue(this, new Open(preamble));
    }

    @Override
    public boolean send(Frame frame) {
        if (closed) {
            return false;
        }
        long queued = queuedBytes.addAndGet(frame.sseLength());
        if (queued > maxBytes) {
            closed = true;
            writer.enqueue(this, new Close(null));
            return false;
        }
        writer.enqueue(this, frame);
        return true;
    }

    /**
     * Bytes handed over but not written yet plus the bytes in Netty's outbound buffer. Called from
     * the engine's thread, so it reads the outbound buffer only through the public, thread-safe
     * {@link Channel#bytesBeforeUnwritable()} (issue 13: {@code channel.unsafe()} is for the event
     * loop): below the high-water mark that is {@code highWaterMark + 1 - bytesBeforeUnwritable};
     * past it (not writable) it counts as the whole mark, which is all the budget needs to know.
     */
    @Override
    public long bufferedBytes() {
        if (closed || !channel.isOpen()) {
            return queuedBytes.get(); // a closed channel has no outbound buffer; nothing more is written
        }
        long highWaterMark = channel.config().getWriteBufferHighWaterMark();
        long before = channel.bytesBeforeUnwritable(); // 0 once not writable, else mark - pending + 1
        long inNetty = before == 0 ? highWaterMark : Math.max(0, highWaterMark + 1 - before);
        return queuedBytes.get() + inNetty;
    }

    @Override
    public boolean writable() {
        return !closed && channel.isWritable() && queuedBytes.get() < maxBytes / 2;
    }

    @Override
    public void close(@Nullable Frame last) {
        closed = true;
        writer.enqueue(this, new Close(last));
    }

    /**
     * Where stream bytes are written once the response head is out: the context of the HTTP codec,
     * so that frames skip every handler (compressor, codec) and go to the socket as they are. The
     * bytes are already chunk-framed ({@link Chunks}), once per frame for all recipients.
     */
    private @Nullable ChannelHandlerContext raw;

    /** Writes one item on the event loop. */
    void writeNow(Object item, LoopWriter loopWriter) {
        if (item instanceof Frame frame) {
            queuedBytes.addAndGet(-frame.sseLength());
            if (!channel.isActive() || raw == null) {
                return;
            }
            if (!channel.isWritable()) {
                // The client is not reading: cut it off rather than buffer without bound.
                closed = true;
                channel.close();
                return;
            }
            if (deflater != null) {
                raw.write(
                        Chunks.chunk(channel.alloc(), ByteBuffer.wrap(deflater.deflate(frame.sse()))),
                        raw.voidPromise());
            } else {
                raw.write(loopWriter.bufferFor(frame, channel.alloc()), raw.voidPromise());
            }
            touched(loopWriter);
        } else if (item instanceof Open open) {
            if (!channel.isActive()) {
                return;
            }
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpPolicy.streamHeaders(cors, deflater != null)
                    .forEach((k, v) -> head.headers().set(k, v));
            HttpUtil.setTransferEncodingChunked(head, true);
            channel.write(head); // through the codec: the head and the chunked framing decision
            raw = channel.pipeline().context(HttpInitializer.CODEC);
            if (raw == null) {
                channel.close();
                return;
            }
            raw.write(Chunks.chunk(channel.alloc(), encode(open.preamble().sse())), raw.voidPromise());
            touched(loopWriter);
            keepalive = channel.eventLoop()
                    .scheduleAtFixedRate(this::keepalive, keepaliveNanos, keepaliveNanos, TimeUnit.NANOSECONDS);
        } else if (item instanceof Close c) {
            if (!channel.isActive()) {
                return;
            }
            if (raw == null) {
                channel.close();
                return;
            }
            if (c.last() != null) {
                raw.write(Chunks.chunk(channel.alloc(), encode(c.last().sse())), raw.voidPromise());
            }
            if (deflater != null) {
                byte[] trailer = deflater.finish();
                if (trailer != null) {
                    raw.write(Chunks.chunk(channel.alloc(), ByteBuffer.wrap(trailer)), raw.voidPromise());
                }
            }
            raw.writeAndFlush(Chunks.last()).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The bytes as they go on the wire: compressed when this stream is (event loop only). */
    private ByteBuffer encode(ByteBuffer sse) {
        return deflater == null ? sse : ByteBuffer.wrap(deflater.deflate(sse));
    }

    /** Closes the connection after a failed write (event loop); the client resumes from its last id. */
    void abort() {
        closed = true;
        channel.close();
    }

    private void touched(LoopWriter loopWriter) {
        lastWriteNanos = System.nanoTime();
        if (!dirty) {
            dirty = true;
            loopWriter.markDirty(this);
        }
    }

    void flushNow() {
        dirty = false;
        ChannelHandlerContext r = raw;
        if (r != null) {
            // From the codec's context straight to the socket: nothing above it holds stream bytes
            // (the head went through the codec when it was written), so the flush need not walk the
            // whole pipeline for every connection of every broadcast.
            r.flush();
        } else {
            channel.flush();
        }
    }

    private void keepalive() {
        if (!channel.isActive()) {
            return;
        }
        if (System.nanoTime() - lastWriteNanos >= keepaliveNanos * 9 / 10) {
            lastWriteNanos = System.nanoTime();
            if (raw != null) {
                raw.writeAndFlush(Chunks.chunk(channel.alloc(), encode(ByteBuffer.wrap(heartbeat))), raw.voidPromise());
            }
        }
    }
}
