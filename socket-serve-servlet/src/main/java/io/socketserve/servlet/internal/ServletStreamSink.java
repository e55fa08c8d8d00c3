package io.socketserve.servlet.internal;

import io.socketserve.transport.Frame;
import io.socketserve.transport.HttpPolicy;
import io.socketserve.transport.StreamDeflater;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A Server-Sent Events response on an {@link AsyncContext}, written with non-blocking I/O (a {@link
 * WriteListener}): no container thread waits on a stream, and the engine's dispatcher never writes
 * to a socket.
 *
 * <p><b>Write path.</b> {@link #send} queues the frame (a reference to its shared bytes, no copy)
 * and hands the stream to its {@link StreamWriters} thread unless it is already waiting there. The
 * writer takes everything queued by then (up to {@value #MAX_WRITE_BYTES} bytes at a time) as one
 * buffer, writes it, and flushes once when the queue is empty: frames that arrive while a stream
 * waits for its writer share one write and one flush. When the container reports the output not
 * ready, writing stops until it calls {@link #onWritePossible}, which hands the stream back to its
 * writer: only that one thread ever writes to a stream. Gzip streams (opt-in) deflate each write as a unit ({@link StreamDeflater}).
 *
 * <p><b>Back-pressure</b> (the policy of the Netty transport, {@code docs/security.md}): bytes
 * handed to {@link #send} and not yet accepted by the container's output stream count against
 * {@code maxBytes} (the server's {@code maxStreamBufferBytes}); the container holds at most one
 * write more. A {@code send} that would pass the limit is refused and the stream is cut at once: the
 * engine is told, the queue is dropped, the response is completed — the client resumes from its
 * last event id. {@link #writable()} turns false at half the limit or while the container reports
 * the output not ready.
 *
 * <p><b>Lifecycle:</b> a heartbeat goes out when the stream was idle for a keepalive period. A
 * container does not read a connection whose response is streaming, so a client that went away is
 * only noticed when a write fails: a stream idle for the probe interval (shorter than the keepalive)
 * gets a two-byte SSE comment ({@code ":\n"}, ignored by every SSE parser), and the write after the
 * one that met the closed connection fails — a vanished client is noticed within two probe
 * intervals, not only at the next heartbeat. The async timeout is disabled: only the client, the
 * engine or an error ends a stream. Whatever ends it — {@link #close}, overflow, a write error,
 * {@link AsyncListener#onError}, {@link AsyncListener#onComplete} — the close listener runs exactly
 * once and the queue is released. The servlet's one timer calls {@link #tick} on every open stream
 * (no timer task per stream).
 *
 * <p>The same sink answers a stream request that the engine refuses ({@link #reject}), so that
 * every byte of the request goes through one non-blocking writer.
 */
public final class ServletStreamSink implements StreamSink, WriteListener, AsyncListener {

    /** The most bytes taken from the queue for one write (a single larger frame goes alone). */
    static final int MAX_WRITE_BYTES = 64 * 1024;

    /** What an idle stream is probed with: an SSE comment line, which every parser skips. */
    private static final byte[] PROBE = {':', '\n'};

    private final AsyncContext async;
    private final HttpServletResponse response;
    private final long maxBytes;
    private final long keepaliveNanos;
    private final long probeNanos;
    private final byte[] heartbeat;
    private final @Nullable Map<String, String> cors;
    private final StreamWriters.Writer writer;
    /** Non-null when this stream is gzip-encoded; used under writeLock only. */
    private final @Nullable StreamDeflater deflater;

    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private final AtomicBoolean listenerRan = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean ready = true;
    private volatile long lastWriteNanos = System.nanoTime();
    private volatile @Nullable Runnable closeListener;
    private volatile boolean opened;

    /** Guards the queue: held by producers only for an append, by the writer only to take a batch. */
    private final Object queueLock = new Object();
    // guarded by queueLock: Frame (counted against maxBytes) or byte[] (not counted)
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private boolean finishing;

    /** Held while writing (the stream's writer thread; the engine's thread only to start). */
    private final Object writeLock = new Object();
    // guarded by writeLock
    private @Nullable ServletOutputStream out;
    private boolean pumping;
    private boolean again;
    private boolean unflushed;
    private volatile boolean completed;
    /**
     * The container ended the request ({@link AsyncListener} told us). From then on nothing touches
     * the async context, the response or its output: a container may recycle them for another
     * connection's request once its listeners have returned — which they cannot while a write or a
     * {@code complete()} holds this lock.
     */
    private boolean containerEnded;
    /** The items of one write, moved out of the queue (writeLock held). */
    private final Object[] taken = new Object[64];

    /**
     * A sink on a started {@code async} context (its timeout disabled here).
     *
     * @param pingFrames heartbeats as {@code __ping} frames ({@code ping=1}) instead of comments
     * @param compressionLevel 1..9 to gzip the stream (the caller checked {@code Accept-Encoding}), 0
     *     not
     */
    public ServletStreamSink(
            AsyncContext async,
            HttpServletResponse response,
            long maxBytes,
            long keepaliveMillis,
            long probeMillis,
            boolean pingFrames,
            @Nullable Map<String, String> cors,
            StreamWriters writers,
            int compressionLevel) {
        this.async = async;
        this.response = response;
        this.maxBytes = maxBytes;
        this.keepaliveNanos = TimeUnit.MILLISECONDS.toNanos(keepaliveMillis);
        this.probeNanos = TimeUnit.MILLISECONDS.toNanos(
                probeMillis > 0 && (keepaliveMillis <= 0 || probeMillis < keepaliveMillis)
                        ? probeMillis
                        : keepaliveMillis);
        this.heartbeat = HttpPolicy.heartbeat(pingFrames);
        this.cors = cors;
        this.writer = writers.assign();
        this.deflater = compressionLevel > 0 ? new StreamDeflater(compressionLevel) : null;
        async.setTimeout(0); // no container timeout ends a stream: heartbeats keep it going
        async.addListener(this);
    }

    @Override
    public void onClose(Runnable listener) {
        closeListener = listener;
        if (released.get()) {
            runCloseListener();
        }
    }

    @Override
    public void open(Frame preamble) {
        synchronized (queueLock) {
            if (closed) {
                return;
            }
            response.setStatus(200);
            HttpPolicy.streamHeaders(cors, deflater != null).forEach((k, v) -> {
                if (!k.equals("Connection")) { // hop-by-hop: the container's to decide
                    response.setHeader(k, v);
                }
            });
            queue.add(bytes(preamble.sse()));
        }
        start();
        lastWriteNanos = System.nanoTime();
        opened = true;
    }

    /** Answers the stream request with a complete error response instead, then completes. */
    public void reject(TransportResponse error) {
        synchronized (queueLock) {
            response.setStatus(error.status());
            HttpPolicy.responseHeaders(error, cors).forEach(response::setHeader);
            response.setContentLength(error.body().length);
            queue.add(error.body());
            finishing = true;
            closed = true;
        }
        endDeflater(); // a complete answer is not gzip-encoded
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
            cut();
            return false;
        }
        synchronized (queueLock) {
            if (closed) {
                return false;
            }
            queue.add(frame);
        }
        schedule();
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
        synchronized (queueLock) {
            if (finishing) {
                return;
            }
            closed = true;
            finishing = true;
            if (last != null) {
                queue.add(bytes(last.sse()));
            }
        }
        schedule();
    }

    /** Sets the write listener; the container then calls {@link #onWritePossible}. */
    private void start() {
        try {
            ServletOutputStream o = response.getOutputStream();
            synchronized (writeLock) {
                out = o;
                o.setWriteListener(this);
            }
        } catch (IOException | RuntimeException e) {
            failed();
        }
    }

    /** Hands this stream to its writer thread, unless it is already waiting there. */
    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            writer.schedule(this);
        }
    }

    /** Called by the writer thread this stream was handed to. */
    void writeScheduled() {
        scheduled.set(false); // frames queued from now on schedule again
        pump();
        if (deflater != null && released.get()) {
            synchronized (writeLock) {
                deflater.end(); // release() scheduled this: nothing writes any more
            }
        }
    }

    /**
     * The container says the output can take more: the stream's writer continues. Nothing is written
     * on the container's thread, which may hold the connection's lock while it calls back: writing
     * here would take this stream's write lock under it, the reverse of the writer's order.
     */
    @Override
    public void onWritePossible() {
        schedule();
    }

    /**
     * Writes what is queued while the container accepts it, a batch per write; flushes when the queue
     * is empty; completes the response after the last frame of a close, or at once after a cut.
     */
    private void pump() {
        synchronized (writeLock) {
            ServletOutputStream o = out;
            if (o == null || completed || containerEnded) {
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
                        if (released.get()) {
                            complete(); // cut (or ended by the container): do not wait for the client
                            return;
                        }
                        if (!o.isReady()) {
                            ready = false; // onWritePossible follows
                            return;
                        }
                        ready = true;
                        Batch batch = take();
                        if (batch == null) {
                            if (unflushed) {
                                unflushed = false;
                                o.flush(); // what was written leaves now: proxies and clients see it
                                continue;
                            }
                            if (isFinishing()) {
                                byte[] trailer = deflater == null ? null : deflater.finish();
                                if (trailer != null && trailer.length > 0) {
                                    o.write(trailer);
                                    unflushed = true;
                                    continue;
                                }
                                complete();
                            }
                            break;
                        }
                        o.write(batch.bytes);
                        if (batch.counted > 0) {
                            queuedBytes.addAndGet(-batch.counted);
                        }
                        unflushed = true;
                        lastWriteNanos = System.nanoTime();
                    }
                } while (again);
            } catch (IOException | RuntimeException e) {
                // A write failed: the client is gone (or the container gave up on it).
                failed();
            } finally {
                pumping = false;
            }
        }
    }

    private record Batch(byte[] bytes, long counted) {}

    /**
     * The next write: queued items up to {@link #MAX_WRITE_BYTES} as one array, or none. The queue
     * lock is held only to move the items out; they are copied after (writeLock held).
     */
    private @Nullable Batch take() {
        Object[] items = taken;
        int count = 0;
        int total = 0;
        synchronized (queueLock) {
            Object next;
            while (count < items.length && (next = queue.peek()) != null) {
                int length = length(next);
                if (count > 0 && total + length > MAX_WRITE_BYTES) {
                    break;
                }
                items[count++] = queue.poll();
                total += length;
            }
        }
        if (count == 0) {
            return null;
        }
        byte[] bytes = new byte[total];
        long counted = 0;
        int at = 0;
        for (int i = 0; i < count; i++) {
            Object item = items[i];
            items[i] = null;
            if (item instanceof Frame f) {
                ByteBuffer sse = f.sse();
                int n = sse.remaining();
                sse.get(bytes, at, n);
                at += n;
                counted += n;
            } else {
                byte[] b = (byte[]) item;
                System.arraycopy(b, 0, bytes, at, b.length);
                at += b.length;
            }
        }
        if (deflater != null) {
            bytes = deflater.deflate(ByteBuffer.wrap(bytes));
        }
        return new Batch(bytes, counted);
    }

    private static int length(@Nullable Object item) {
        return item instanceof Frame f ? f.sseLength() : ((byte[]) item).length;
    }

    private boolean isFinishing() {
        synchronized (queueLock) {
            return finishing && queue.isEmpty();
        }
    }

    /**
     * Whether the response has ended: completed after its last write, or released (any thread).
     * The container may report the completion later.
     */
    public boolean ended() {
        return completed || released.get();
    }

    /** Ends the response (writeLock held). */
    private void complete() {
        if (completed || containerEnded) {
            return;
        }
        completed = true;
        try {
            async.complete(); // onComplete releases
        } catch (IllegalStateException alreadyOver) {
            release(); // the container ended it first
        }
    }

    /**
     * Called periodically by the servlet's timer (any thread): queues a heartbeat when the stream was
     * idle for a keepalive period, or a probe when it was idle for the probe interval.
     */
    public void tick() {
        if (closed || !opened) {
            return;
        }
        long idle = System.nanoTime() - lastWriteNanos;
        boolean beat = keepaliveNanos > 0 && idle >= keepaliveNanos * 9 / 10;
        if (beat || (probeNanos > 0 && idle >= probeNanos * 9 / 10)) {
            synchronized (queueLock) {
                if (closed || !queue.isEmpty()) {
                    return; // frames are waiting: the client is slow, not idle
                }
                queue.add(beat ? heartbeat : PROBE);
            }
            lastWriteNanos = System.nanoTime();
            schedule();
        }
    }

    /**
     * Cuts the stream now (overflow, a failed write, a failed connection): the engine is told at
     * once, the queue is dropped, and the response is completed by the writer — without waiting for
     * a client that does not read.
     */
    private void cut() {
        synchronized (queueLock) {
            closed = true;
            queue.clear();
        }
        queuedBytes.set(0);
        release();
        schedule();
    }

    private void failed() {
        cut();
    }

    @Override
    public void onError(Throwable t) {
        failed(); // WriteListener: a non-blocking write failed
    }

    @Override
    public void onComplete(AsyncEvent event) {
        containerEnded();
        release();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        containerEnded();
        failed();
    }

    @Override
    public void onError(AsyncEvent event) {
        containerEnded(); // AsyncListener: the container saw the connection fail and ends the request
        failed();
    }

    /** Waits for a write in progress, then keeps every later one off the request's objects. */
    private void containerEnded() {
        synchronized (writeLock) {
            containerEnded = true;
            completed = true;
        }
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not re-started
    }

    /** Releases the queue and tells the engine, once. */
    private void release() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        synchronized (queueLock) {
            queue.clear();
        }
        queuedBytes.set(0);
        runCloseListener();
        if (deflater != null) {
            schedule(); // the writer ends the deflater (its native memory) after its last write
        }
    }

    private void runCloseListener() {
        Runnable l = closeListener;
        if (l != null && listenerRan.compareAndSet(false, true)) {
            l.run();
        }
    }

    private void endDeflater() {
        if (deflater != null) {
            synchronized (writeLock) {
                deflater.end();
            }
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
