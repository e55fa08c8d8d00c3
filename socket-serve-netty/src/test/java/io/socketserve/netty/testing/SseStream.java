package io.socketserve.netty.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One {@code GET …/sse} connection over a plain socket, read on a background thread. Closing it is
 * abrupt (a TCP reset, as when a laptop lid closes), never a polite end of stream.
 */
final class SseStream implements AutoCloseable {

    private final Socket socket;
    private final Thread reader;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile @Nullable Throwable failure;

    private SseStream(Socket socket, InputStream body, int number, SseParser.Listener listener) {
        this.socket = socket;
        this.reader = new Thread(
                () -> {
                    try {
                        SseParser.parse(
                                new BufferedInputStream(new RawHttp.ChunkedInputStream(body)), number, listener);
                    } catch (IOException e) {
                        if (!socket.isClosed()) {
                            failure = e;
                        }
                    } finally {
                        ended.countDown();
                    }
                },
                "test-sse-" + number);
        reader.setDaemon(true);
    }

    /** The outcome of opening: a running stream, or the error response that refused it. */
    record Opened(@Nullable SseStream stream, HttpResult response) {}

    /** Sends the request; on 200 starts reading, else returns the error response. */
    static Opened open(InetSocketAddress address, byte[] request, int number, SseParser.Listener listener)
            throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(address, 10_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            RawHttp.Head head = RawHttp.readHead(in);
            if (head.status() != 200) {
                HttpResult error = new HttpResult(head.status(), head.headers(), RawHttp.readBody(head, in));
                socket.close();
                return new Opened(null, error);
            }
            socket.setSoTimeout(0);
            SseStream stream = new SseStream(socket, in, number, listener);
            stream.reader.start();
            return new Opened(stream, new HttpResult(200, head.headers(), new byte[0]));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Whether the server ended the stream (or the connection broke). */
    boolean ended() {
        return ended.getCount() == 0;
    }

    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Nullable
    Throwable failure() {
        return failure;
    }

    /** Resets the connection and waits for the reader to stop: nothing is parsed after this returns. */
    @Override
    public void close() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
