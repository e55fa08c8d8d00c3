package io.socketserve.transport;

import org.jspecify.annotations.Nullable;

/**
 * A transport's open Server-Sent Events response, fed by the engine.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>The engine calls {@link #open} once, then {@link #send} any number of times, then at most
 *       once {@link #close}. All calls come from one engine thread at a time, in order; the transport
 *       must write frames in the order they were sent.
 *   <li><b>Back-pressure:</b> the transport keeps at most {@code maxStreamBufferBytes} unwritten
 *       bytes per connection. When a {@code send} would pass that, it does not queue the frame: it
 *       closes the connection (the client resumes from its last position, losing nothing inside the
 *       recovery window) and returns {@code false}. Nothing ever grows without bound.
 *   <li>When the connection closes for any reason — client gone, overflow, {@link #close} — the
 *       transport runs the listener given to {@link #onClose} once (at once if already closed).
 * </ul>
 */
public interface StreamSink {

    /** Writes the response head (status 200, SSE headers) and the {@code preamble} frame. */
    void open(Frame preamble);

    /**
     * Queues a frame.
     *
     * @return {@code false} if the frame was not queued: the stream is closed or just overflowed
     */
    boolean send(Frame frame);

    /**
     * Whether the connection is below its high-water mark, so that a frame sent now would be written
     * promptly. Volatile emits are dropped for a sink that is not writable.
     */
    default boolean writable() {
        return true;
    }

    /**
     * Bytes handed to {@link #send} that have not reached the client's socket yet. The engine feeds
     * a resuming client's backlog only while this is below half of {@code maxStreamBufferBytes},
     * so a long replay proceeds at the pace the client reads instead of overflowing the buffer.
     * The default, 0, means "unknown" (the backlog is sent at once).
     */
    default long bufferedBytes() {
        return 0;
    }

    /** Writes {@code last} if given, then closes the connection. */
    void close(@Nullable Frame last);

    /** Registers the listener run once when the connection closes. Set once, before {@link #open}. */
    void onClose(Runnable listener);
}
