package io.socketserve.internal;

import io.socketserve.transport.Frame;
import io.socketserve.transport.StreamSink;
import org.jspecify.annotations.Nullable;

/** Delivery to a transport's SSE stream. */
final class StreamTarget implements Dispatcher.Target {

    private final StreamSink sink;
    private final long budget;

    StreamTarget(StreamSink sink, long budget) {
        this.sink = sink;
        this.budget = budget;
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
        sink.open(Frames.connected(publicId));
    }

    @Override
    public boolean send(Frame frame) {
        return sink.send(frame);
    }

    @Override
    public boolean writable() {
        return sink.writable();
    }

    @Override
    public void close(@Nullable Frame last) {
        sink.close(last);
    }
}
