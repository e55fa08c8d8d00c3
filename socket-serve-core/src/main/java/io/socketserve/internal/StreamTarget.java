package io.socketserve.internal;

import io.socketserve.transport.Frame;
import io.socketserve.transport.StreamSink;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Delivery to a transport's SSE stream. */
final class StreamTarget implements Dispatcher.Target {

    private static final int NEW = 0;
    private static final int OPEN = 1;
    private static final int CLOSED = 2;

    private final StreamSink sink;
    private final long budget;
    private final EngineStats stats;
    private final String namespace;
    private final String sessionId;
    /** NEW → OPEN (counted in the SSE sessions gauge) → CLOSED; or NEW → CLOSED. */
    private final AtomicInteger state = new AtomicInteger(NEW);

    StreamTarget(StreamSink sink, long budget, EngineStats stats, String namespace, String sessionId) {
        this.sink = sink;
        this.budget = budget;
        this.stats = stats;
        this.namespace = namespace;
        this.sessionId = sessionId;
    }

    @Override
    public long bufferedBytes() {
        return sink.bufferedBytes();
    }

    @Override
    public long bufferBudget() {
        return budget;
    }

    @Override
    public void open(String publicId) {
        if (state.compareAndSet(NEW, OPEN)) {
            stats.streamSessions.incrementAndGet();
        }
        sink.open(Frames.connected(publicId));
    }

    @Override
    public boolean send(Frame frame) {
        // read before the send: a sink that refuses a frame for overflow closes its connection,
        // and the close may be reported (closed()) before this thread gets here again
        boolean wasOpen = state.get() != CLOSED;
        if (sink.send(frame)) {
            stats.deliveries.increment();
            stats.bytesWritten.add(frame.sseLength());
            return true;
        }
        if (wasOpen) {
            // open before this call: the client did not read and its buffer overflowed
            stats.slowClientCut(namespace, sessionId);
        }
        return false;
    }

    @Override
    public boolean writable() {
        return sink.writable();
    }

    @Override
    public void close(@Nullable Frame last) {
        sink.close(last);
    }

    /** The connection closed (the sink's close listener; once). */
    void closed() {
        if (state.getAndSet(CLOSED) == OPEN) {
            stats.streamSessions.decrementAndGet();
        }
    }
}
