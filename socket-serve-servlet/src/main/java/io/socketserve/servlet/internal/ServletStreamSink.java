package io.socketserve.servlet.internal;

import io.socketserve.transport.Frame;
import io.socketserve.transport.HttpPolicy;
import io.socketserve.transport.StreamSink;
import io.socketserve.transport.TransportResponse;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A Server-Sent Events response on an {@link AsyncContext}, written with non-blocking I/O (a {@link
 * WriteListener}): no container thread waits on a stream.
 *
 * <p><b>Back-pressure</b> (the policy of the Netty transport, {@code docs/security.md}): bytes
 * handed to {@link #send} and not yet accepted by the container's output stream count against
 * {@code maxBytes} (the server's {@code maxStreamBufferBytes}); the container holds at most one
 * write more. A {@code send} that would pass the limit is refused and the stream is ended at once —
 * the client resumes from its last event id. {@link #writable()} turns false at half the limit or
 * while the container reports the output not ready.
 *
 * <p><b>Lifecycle:</b> every frame is flushed as soon as it is written (nothing waits in a buffer
 * for the next one); a heartbeat goes out when the stream was idle for a keepalive period, which
 * also makes a vanished client fail a write. The async timeout is disabled: only the client, the
 * engine or an error ends a stream. Whatever ends it — {@link #close}, overflow, a write error,
 * {@link AsyncListener#onError}, {@link AsyncListener#onComplete} — the close listener runs exactly
 * once and the queue and timer are released.
 *
 * <p>The same sink answers a stream request that the engine refuses ({@link #reject}), so that
 * every byte of the request goes through one non-blocking writer.
 */
public final class ServletStreamSink implements StreamSink, WriteListener, AsyncListener {

    private record Chunk(byte[] bytes, boolean counted) {}

    private final AsyncContext async;
    private final HttpServletResponse response;
    private final long maxBytes;
    private final long keepaliveNanos;
    private final byte[] heartbeat;
    private final @Nullable Map<String, String> cors;
    private final ScheduledExecutorService timer;

    private final Object lock = new Object();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean ready = true;
    private volatile long lastWriteNanos = System.nanoTime();
    private volatile @Nullable Runnable closeListener;
    private volatile @Nullable ScheduledFuture<?> keepalive;
    // guarded by lock
    private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
    private @Nullable ServletOutputStream out;
    private boolean pumping;
    private boolean again;
    private boolean unflushed;
    private boolean finishing;
    private boolean completed;

    /**
     * A sink on a started {@code async} context (its timeout disabled here).
     *
     * @param pingFrames heartbeats as {@code __ping} frames ({@code ping=1}) instead of comments
     */
    public ServletStreamSink(
            AsyncContext async,
            HttpServletResponse response,
            long maxBytes,
            long keepaliveMillis,
            boolean pingFrames,
            @Nullable Map<String, String> cors,
            ScheduledExecutorService timer) {
        this.async = async;
        this.response = response;
        this.maxBytes = maxBytes;
        this.keepaliveNanos = TimeUnit.MILLISECONDS.toNanos(keepaliveMillis);
        this.heartbeat = HttpPolicy.heartbeat(pingFrames);
        this.cors = cors;
        this.timer = timer;
        async.setTimeout(0); // no container timeout ends a stream: heartbeats keep it going
        async.addListener(this);
    }

    @Override
    public void onClose(Runnable listener) {
        closeListener = listener;
        if (released.get() && closeListener != null) {
            runCloseListener();
        }
    }

    @Override
    public void open(Frame preamble) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            response.setStatus(200);
            HttpPolicy.streamHeaders(cors, false).forEach((k, v) -> {
                if (!k.equals("Connection")) { // hop-by-hop: the container's to decide
                    response.setHeader(k, v);
                }
            });
            queue.add(new Chunk(bytes(preamble.sse()), false));
        }
        start();
        long period = keepaliveNanos;
        if (period > 0) {
            keepalive = timer.scheduleAtFixedRate(this::keepalive, period, period, TimeUnit.NANOSECONDS);
        }
        if (closed) {
            cancelKeepalive();
        }
    }

    /** Answers the stream request with a complete error response instead, then completes. */
    public void reject(TransportResponse error) {
        synchronized (lock) {
            response.setStatus(error.status());
            HttpPolicy.responseHeaders(error, cors).forEach(response::setHeader);
            response.setContentLength(error.body().length);
            queue.add(new Chunk(error.body(), false));
            finishing = true;
            closed = true;
        }
        start();
    }

    @Override
    public boolean send(Frame frame) {
        if (closed) {
            return false;
        }
        if (queuedBytes.addAndGet(frame.sseLength()) > maxBytes) {
            // The client is not reading: cut it off rather than buffer without bound. It resumes
            // from its last event id.
            abort();
            return false;
        }
        synchronized (lock) {
            queue.add(new Chunk(bytes(frame.sse()), true));
        }
        pump();
        return true;
    }

    @Override
    public boolean writable() {
        return !closed && ready && queuedBytes.get() < maxBytes / 2;
    }

    @Override
    public long bufferedBytes() {
        return queuedBytes.get();
    }

    @Override
    public void close(@Nullable Frame last) {
        synchronized (lock) {
            if (closed && finishing) {
                return;
            }
            closed = true;
            finishing = true;
            if (last != null) {
                queue.add(new Chunk(bytes(last.sse()), false));
            }
        }
        cancelKeepalive();
        pump();
    }

    /** Sets the write listener (the container then calls {@link #onWritePossible}). */
    private void start() {
        try {
            ServletOutputStream o = response.getOutputStream();
            synchronized (lock) {
                out = o;
            }
            o.setWriteListener(this);
        } catch (IOException | RuntimeException e) {
            failed();
        }
    }

    @Override
    public void onWritePossible() {
        pump();
    }

    /** Writes what is queued while the container accepts it; flushes after the last frame. */
    private void pump() {
        synchronized (lock) {
            ServletOutputStream o = out;
            if (o == null || completed) {
                return;
            }
            if (pumping) { // a container that calls back on the writing thread
                again = true;
                return;
            }
            pumping = true;
            try {
                do {
                    again = false;
                    while (true) {
                        if (!o.isReady()) {
                            ready = false; // onWritePossible follows
                            return;
                        }
                        ready = true;
                        Chunk next = queue.poll();
                        if (next == null) {
                            if (unflushed) {
                                unflushed = false;
                                o.flush(); // every frame leaves at once: proxies and clients see it now
                                continue;
                            }
                            if (finishing) {
                                completed = true;
                                async.complete(); // onComplete releases
                            }
                            break;
                        }
                        if (next.counted()) {
                            queuedBytes.addAndGet(-next.bytes().length);
                        }
                        o.write(next.bytes());
                        unflushed = true;
                        lastWriteNanos = System.nanoTime();
                    }
                } while (again);
            } catch (IOException | RuntimeException e) {
                // A write failed: the client is gone (or the container gave up on it).
                pumping = false;
                failed();
            } finally {
                pumping = false;
            }
        }
    }

    private void keepalive() {
        if (closed) {
            cancelKeepalive();
            return;
        }
        if (System.nanoTime() - lastWriteNanos >= keepaliveNanos * 9 / 10) {
            synchronized (lock) {
                if (!queue.isEmpty()) {
                    return; // frames are waiting: the client is slow, not idle
                }
                queue.add(new Chunk(heartbeat, false));
            }
            lastWriteNanos = System.nanoTime();
            pump();
        }
    }

    /** Ends the stream now, dropping what is queued (overflow). */
    private void abort() {
        synchronized (lock) {
            closed = true;
            queue.clear();
            queuedBytes.set(0);
            if (!completed) {
                completed = true;
                try {
                    async.complete();
                } catch (IllegalStateException alreadyOver) {
                    // the container ended it first
                }
            }
        }
        release();
    }

    private void failed() {
        abort();
    }

    @Override
    public void onError(Throwable t) {
        failed(); // WriteListener: a non-blocking write failed
    }

    @Override
    public void onComplete(AsyncEvent event) {
        release();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        abort();
    }

    @Override
    public void onError(AsyncEvent event) {
        abort(); // AsyncListener: the container saw the connection fail
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not re-started
    }

    /** Releases the queue and the timer and tells the engine, once. */
    private void release() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        cancelKeepalive();
        synchronized (lock) {
            queue.clear();
        }
        queuedBytes.set(0);
        if (closeListener != null) {
            runCloseListener();
        }
    }

    private final AtomicBoolean listenerRan = new AtomicBoolean();

    private void runCloseListener() {
        Runnable l = closeListener;
        if (l != null && listenerRan.compareAndSet(false, true)) {
            l.run();
        }
    }

    private void cancelKeepalive() {
        ScheduledFuture<?> k = keepalive;
        if (k != null) {
            k.cancel(false);
        }
    }

    /** Whether the stream has ended and released its resources. */
    public boolean released() {
        return released.get();
    }

    private static byte[] bytes(ByteBuffer view) {
        byte[] b = new byte[view.remaining()];
        view.get(b);
        return b;
    }
}
