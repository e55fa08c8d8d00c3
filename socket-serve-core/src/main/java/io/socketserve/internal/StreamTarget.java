package io.socketserve.internal;

import io.socketserve.transport.Frame;
import io.socketserve.transport.StreamSink;
import org.jspecify.annotations.Nullable;

/** Delivery to a transport's SSE stream. */
final class StreamTarget implements Dispatcher.Target {

    private final StreamSink sink;

    StreamTarget(StreamSink sink) {
        this.sink = sink;
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
