package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.transport.Frame;
import io.socketserve.transport.StreamSink;
import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** A {@link StreamSink} that queues what the engine sends, with recorder-style assertions. */
final class RecordingSink implements StreamSink {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A received frame: its position and JSON. */
    record Received(long position, JsonNode json) {
        String event() {
            return json.path("event").asText();
        }
    }

    private final LinkedBlockingQueue<Received> frames = new LinkedBlockingQueue<>();
    private volatile @Nullable Runnable onClose;
    volatile boolean opened;
    volatile boolean closed;

    @Override
    public void open(Frame preamble) {
        opened = true;
        add(preamble);
    }

    @Override
    public boolean send(Frame frame) {
        if (closed) {
            return false;
        }
        add(frame);
        return true;
    }

    @Override
    public void close(@Nullable Frame last) {
        if (last != null && !closed) {
            add(last);
        }
        drop(); // StreamSink: the close listener runs once whatever closed the connection
    }

    @Override
    public void onClose(Runnable listener) {
        this.onClose = listener;
    }

    /** Simulates the client going away. */
    synchronized void drop() {
        boolean first = !closed;
        closed = true;
        Runnable r = onClose;
        if (first && r != null) {
            r.run();
        }
    }

    private void add(Frame frame) {
        try {
            frames.add(new Received(frame.position(), JSON.readTree(bytes(frame.json()))));
        } catch (IOException e) {
            throw new AssertionError("engine sent invalid JSON", e);
        }
    }

    /** The next frame, failing after 5 s. */
    Received next() {
        try {
            Received r = frames.poll(5, TimeUnit.SECONDS);
            assertThat(r).as("a frame within 5 s").isNotNull();
            return r;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The next frame, asserting its event name. */
    Received assertEvent(String event) {
        Received r = next();
        assertThat(r.event()).as("event of %s", r.json()).isEqualTo(event);
        return r;
    }

    /** Asserts nothing more arrives within a short grace period. */
    void assertExhausted() {
        try {
            Received r = frames.poll(200, TimeUnit.MILLISECONDS);
            assertThat(r).as("no further frame").isNull();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] bytes(java.nio.ByteBuffer view) {
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }
}
