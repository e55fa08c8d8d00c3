package io.socketserve.demo.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * One {@code GET …/sse} over a plain socket, read on a background thread, recording its frames and
 * keepalive comments — and how the response ended: with the last chunk of its chunked body (ended
 * cleanly by the server, and passed on as such by the proxy) or with the connection just closing
 * (cut off). {@code TestClient}'s streams do not tell the two apart; a drain must end streams
 * cleanly.
 */
final class EventStream implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One frame: its SSE {@code id:} (absent for control frames) and its JSON. */
    record Frame(@Nullable Long id, JsonNode json) {
        String event() {
            return json.path("event").asText();
        }

        JsonNode data() {
            return json.path("data");
        }
    }

    private final Socket socket;
    private final List<Frame> frames = new CopyOnWriteArrayList<>();
    private final AtomicInteger comments = new AtomicInteger();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final Thread reader;
    private volatile boolean lastChunk;
    // reader thread only
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder data = new StringBuilder();
    private @Nullable Long id;
    private boolean hasData;

    private EventStream(Socket socket, InputStream in) {
        this.socket = socket;
        this.reader = new Thread(() -> read(in), "event-stream");
        reader.setDaemon(true);
    }

    /**
     * Opens the stream of the session {@code credential} under {@code base}, resuming after {@code
     * lastEventId} unless it is negative; fails unless the answer is a chunked 200.
     */
    static EventStream open(URI base, String credential, long lastEventId) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            socket.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder()
                    .append("GET ")
                    .append(base.getPath())
                    .append("/sse?sessionId=")
                    .append(URLEncoder.encode(credential, StandardCharsets.UTF_8))
                    .append(" HTTP/1.1\r\nHost: ")
                    .append(base.getHost())
                    .append(':')
                    .append(base.getPort())
                    .append("\r\nAccept: text/event-stream\r\n");
            if (lastEventId >= 0) {
                req.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String status = readLine(in);
            boolean chunked = false;
            StringBuilder head = new StringBuilder(String.valueOf(status)).append('\n');
            for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
                head.append(h).append('\n');
                String lower = h.toLowerCase(Locale.ROOT);
                chunked |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
            }
            if (status == null || !status.startsWith("HTTP/1.1 200") || !chunked) {
                socket.close();
                throw new AssertionError("expected a chunked 200 event stream, got:\n" + head);
            }
            socket.setSoTimeout(0);
            EventStream stream = new EventStream(socket, in);
            stream.reader.start();
            return stream;
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already failing
            }
            throw new UncheckedIOException(e);
        }
    }

    /** Every frame received so far, in order. */
    List<Frame> frames() {
        return List.copyOf(frames);
    }

    /** The frames of event {@code name}, in order. */
    List<Frame> frames(String name) {
        return frames.stream().filter(f -> f.event().equals(name)).toList();
    }

    /** The {@code id:} of the last frame that had one, or -1. */
    long lastEventId() {
        long last = -1;
        for (Frame f : frames) {
            if (f.id() != null) {
                last = f.id();
            }
        }
        return last;
    }

    /** Keepalive comments received so far. */
    int comments() {
        return comments.get();
    }

    boolean ended() {
        return ended.getCount() == 0;
    }

    /** Whether the response ended with the last chunk of its body (rather than a bare close). */
    boolean endedCleanly() {
        return ended() && lastChunk;
    }

    boolean awaitEnd(Duration timeout) {
        try {
            return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Resets the connection (as a closing laptop lid would) and waits for the reader to stop. */
    @Override
    public void close() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --------------------------------------------------------------------------------- reading

    private void read(InputStream in) {
        try {
            for (String size = readLine(in); size != null; size = readLine(in)) {
                if (size.isEmpty()) {
                    continue; // the CRLF after a chunk's data
                }
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    lastChunk = true; // RFC 9112 §7.1: the last chunk (trailers would follow)
                    return;
                }
                byte[] chunk = in.readNBytes(n);
                for (byte b : chunk) {
                    feed(b);
                }
                if (chunk.length < n) {
                    return; // cut off inside a chunk
                }
            }
        } catch (IOException | RuntimeException e) {
            // the connection broke or was reset: it ended without its last chunk
        } finally {
            ended.countDown();
        }
    }

    /** SSE parsing (WHATWG HTML §9.2.6), one byte at a time. */
    private void feed(byte b) throws IOException {
        if (b != '\n') {
            line.write(b);
            return;
        }
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isEmpty()) {
            if (hasData) {
                frames.add(new Frame(id, MAPPER.readTree(data.toString())));
            }
            data.setLength(0);
            hasData = false;
            id = null;
        } else if (text.startsWith(":")) {
            comments.incrementAndGet();
        } else if (text.startsWith("id:")) {
            id = Long.parseLong(text.substring(3).trim());
        } else if (text.startsWith("data:")) {
            if (hasData) {
                data.append('\n');
            }
            String value = text.substring(5);
            data.append(value.startsWith(" ") ? value.substring(1) : value);
            hasData = true;
        }
    }

    private static @Nullable String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return null;
    }
}
