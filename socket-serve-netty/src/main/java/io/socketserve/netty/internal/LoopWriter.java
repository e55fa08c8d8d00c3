package io.socketserve.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.socketserve.transport.Frame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Moves writes from the engine's dispatcher thread onto one event loop in batches: one task per
 * event loop per burst instead of one per connection per frame. Within a run, consecutive writes of
 * the same {@link Frame} (a broadcast going to every member) share one direct buffer that already
 * holds the HTTP chunk framing: each connection gets a {@code retainedDuplicate()} of it, so a
 * broadcast is framed and copied to direct memory once per event loop, not once per recipient.
 */
final class LoopWriter implements Runnable {

    record Pending(NettyStreamSink sink, Object item) {}

    private final EventLoop loop;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final List<NettyStreamSink> dirty = new ArrayList<>();
    private @Nullable Frame lastFrame;
    private @Nullable ByteBuf lastBuffer;

    LoopWriter(EventLoop loop) {
        this.loop = loop;
    }

    void enqueue(NettyStreamSink sink, Object item) {
        queue.add(new Pending(sink, item));
        if (scheduled.compareAndSet(false, true)) {
            loop.execute(this);
        }
    }

    /** The shared buffer for a frame (event loop only); the caller writes a retained duplicate. */
    ByteBuf bufferFor(Frame frame, io.netty.buffer.ByteBufAllocator alloc) {
        if (frame != lastFrame || lastBuffer == null) {
            releaseLast();
            lastBuffer = Chunks.chunk(alloc, frame.sse());
            lastFrame = frame;
        }
        return lastBuffer.retainedDuplicate();
    }

    private void releaseLast() {
        if (lastBuffer != null) {
            lastBuffer.release();
            lastBuffer = null;
            lastFrame = null;
        }
    }

    void markDirty(NettyStreamSink sink) {
        dirty.add(sink);
    }

    @Override
    public void run() {
        scheduled.set(false);
        try {
            Pending p;
            while ((p = queue.poll()) != null) {
                p.sink().writeNow(p.item(), this);
            }
        } finally {
            releaseLast();
            for (int i = 0; i < dirty.size(); i++) {
                dirty.get(i).flushNow();
            }
            dirty.clear();
        }
    }
}
