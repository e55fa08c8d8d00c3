package io.socketserve.netty.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A stream whose client does not read: the request is sent, then nothing is read until {@link
 * #drain} — a slow consumer. The socket's receive buffer is made small so the server's writes back
 * up quickly.
 */
public final class StalledStream implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;

    StalledStream(InetSocketAddress address, byte[] request, int receiveBufferBytes) throws IOException {
        this.socket = new Socket();
        socket.setReceiveBufferSize(receiveBufferBytes);
        socket.connect(address, 10_000);
        socket.getOutputStream().write(request);
        socket.getOutputStream().flush();
        // Read only the response head: the stream is then attached, so what the test sends next
        // is live delivery to a client that does not read (not a replay, which waits for readers).
        socket.setSoTimeout(10_000);
        this.in = new BufferedInputStream(socket.getInputStream(), 1);
        RawHttp.Head head = RawHttp.readHead(in);
        if (head.status() != 200) {
            throw new AssertionError("stream refused: " + head.status());
        }
    }

    /** What a drain read. */
    public record Drained(List<ReceivedFrame> frames, boolean closedByServer) {

        /** The id of the last complete frame that had one, or -1. */
        public long lastId() {
            for (int i = frames.size() - 1; i >= 0; i--) {
                if (frames.get(i).id() != null) {
                    return frames.get(i).position();
                }
            }
            return -1;
        }
    }

    /**
     * Now reads everything the server sent until it closes the connection, giving up after {@code
     * timeout} of silence ({@code closedByServer} is then false).
     */
    public Drained drain(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        List<ReceivedFrame> frames = new ArrayList<>();
        boolean closed;
        try {
            SseParser.parse(new BufferedInputStream(new RawHttp.ChunkedInputStream(in)), 1, new SseParser.Listener() {
                @Override
                public void frame(ReceivedFrame frame) {
                    frames.add(frame);
                }

                @Override
                public void comment(String text) {}

                @Override
                public void raw(String line) {}
            });
            closed = true;
        } catch (SocketTimeoutException e) {
            closed = false;
        } catch (IOException e) {
            closed = true; // reset by the server
        }
        return new Drained(frames, closed);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
