package io.socketserve.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.socketserve.transport.Frame;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves writes from the engine's dispatcher thread onto one event loop in batches: one task per
 * event loop per burst instead of one per connection per frame. Within a run, consecutive writes of
 * the same {@link Frame} (a broadcast going to every member) share one direct buffer that already
 * holds the HTTP chunk framing: each connection gets a {@code retainedDuplicate()} of it, so a
 * broadcast is framed and copied to direct memory once per event loop, not once per recipient.
 *
 * <p>Hand-over: a pair of arrays (sink, item) that producers append to under a lock, and a spare
 * pair; a run swaps them and writes the batch without holding the lock. Nothing is allocated per
 * delivery (a queue node and an entry object per delivery were a third of the server's allocation
 * at 5,000 subscribers, issue 7). Each batch is written in the order it was appended, and batches in
 * the order they were taken, so every connection sees its frames in the order they were sent. The
 * arrays hold at most what was handed over and not yet written: their size is bounded by the
 * per-connection buffer limits that {@link NettyStreamSink#send} enforces before appending.
 */
final class LoopWriter implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(LoopWriter.class);

    private static final int INITIAL_CAPACITY = 256;
    /** A pair that grew past this during a burst is not kept afterwards (64 Ki entries, ~0.5 MiB). */
    private static final int MAX_RETAINED_CAPACITY = 1 << 16;

    private final EventLoop loop;
    private final Object lock = new Object();
    // guarded by lock
    private NettyStreamSink[] sinks = new NettyStreamSink[INITIAL_CAPACITY];
    private Object[] items = new Object[INITIAL_CAPACITY];
    private int size;
    private boolean scheduled;
    // event loop only
    private NettyStreamSink[] spareSinks = new NettyStreamSink[INITIAL_CAPACITY];
    private Object[] spareItems = new Object[INITIAL_CAPACITY];
    private final List<NettyStreamSink> dirty = new ArrayList<>();
    private @Nullable Frame lastFrame;
    private @Nullable ByteBuf lastBuffer;

    LoopWriter(EventLoop loop) {
        this.loop = loop;
    }

    /** Hands {@code item} for {@code sink} to the event loop (any thread). */
    void enqueue(NettyStreamSink sink, Object item) {
        boolean schedule;
        synchronized (lock) {
            int n = size;
            if (n == items.length) {
                grow();
            }
            sinks[n] = sink;
            items[n] = item;
            size = n + 1;
            schedule = !scheduled;
            scheduled = true;
        }
        if (schedule) {
            loop.execute(this);
        }
    }

    private void grow() {
        int capacity = items.length * 2;
        sinks = java.util.Arrays.copyOf(sinks, capacity);
        items = java.util.Arrays.copyOf(items, capacity);
    }

    /** The shared buffer for a frame (event loop only); the caller writes a retained duplicate. */
    ByteBuf bufferFor(Frame frame, ByteBufAllocator alloc) {
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
        try {
            for (; ; ) {
                NettyStreamSink[] batchSinks;
                Object[] batchItems;
                int n;
                synchronized (lock) {
                    n = size;
                    if (n == 0) {
                        scheduled = false;
                        return;
                    }
                    batchSinks = sinks;
                    batchItems = items;
                    sinks = spareSinks;
                    items = spareItems;
                    size = 0;
                }
                write(batchSinks, batchItems, n);
                if (batchItems.length > MAX_RETAINED_CAPACITY) {
                    batchSinks = new NettyStreamSink[INITIAL_CAPACITY];
                    batchItems = new Object[INITIAL_CAPACITY];
                }
                spareSinks = batchSinks;
                spareItems = batchItems;
            }
        } finally {
            releaseLast();
            for (int i = 0; i < dirty.size(); i++) {
                dirty.get(i).flushNow();
            }
            dirty.clear();
        }
    }

    private void write(NettyStreamSink[] batchSinks, Object[] batchItems, int n) {
        for (int i = 0; i < n; i++) {
            NettyStreamSink sink = batchSinks[i];
            Object item = batchItems[i];
            batchSinks[i] = null;
            batchItems[i] = null;
            try {
                sink.writeNow(item, this);
            } catch (RuntimeException e) {
                // Not expected; the connection is closed rather than left with a gap in its stream
                // (the client resumes from its last event id).
                log.warn("stream write failed; closing the connection", e);
                sink.abort();
            }
        }
    }
}
