package io.socketserve.bench.driver.sse;

import io.socketserve.bench.driver.ClientSession;
import io.socketserve.bench.driver.StreamListener;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** A session of {@link SseDriver}: a POST connection and, once opened, a stream connection. */
final class SseSession implements ClientSession, HttpConnection.StreamEnd {

    private static final long RESUME_DELAY_MILLIS = 100;

    private final SseDriver driver;
    private final int instance;
    private final String credential;
    private final String id;
    private final byte[] messagePrefix;
    private volatile @Nullable HttpConnection control;
    private volatile @Nullable HttpConnection stream;
    private volatile @Nullable StreamListener listener;
    private volatile boolean closed;
    private volatile boolean suspended;
    // With a partitioned log the listener's long position is only an order key: resume with the text.
    private volatile @Nullable String lastVectorId;

    SseSession(SseDriver driver, int instance, HttpConnection control, String credential, String id) {
        this.driver = driver;
        this.instance = instance;
        this.control = control;
        this.credential = credential;
        this.id = id;
        this.messagePrefix = "{\"event\":".getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public CompletionStage<Void> emit(String event, byte[] json) {
        HttpConnection c = control;
        CompletableFuture<HttpConnection> conn = c != null && c.channel().isActive()
                ? CompletableFuture.completedFuture(c)
                : driver.open(instance).thenApply(n -> {
                    control = n;
                    return n;
                });
        return conn.thenCompose(
                        n -> n.request(SseDriver.post(driver.basePath() + "/message", credential, body(event, json))))
                .thenApply(r -> {
                    if (r.status() / 100 != 2) {
                        throw new IllegalStateException("emit answered " + r.status() + ": " + r.text());
                    }
                    return null;
                });
    }

    private byte[] body(String event, byte[] json) {
        byte[] name = event.getBytes(StandardCharsets.UTF_8); // event names used here need no escaping
        byte[] out = new byte[messagePrefix.length + name.length + 2 + 8 + json.length + 1];
        int i = 0;
        System.arraycopy(messagePrefix, 0, out, i, messagePrefix.length);
        i += messagePrefix.length;
        out[i++] = '"';
        System.arraycopy(name, 0, out, i, name.length);
        i += name.length;
        out[i++] = '"';
        byte[] data = ",\"data\":".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(data, 0, out, i, data.length);
        i += data.length;
        System.arraycopy(json, 0, out, i, json.length);
        i += json.length;
        out[i] = '}';
        return out;
    }

    @Override
    public CompletionStage<Void> openStream(StreamListener l) {
        this.listener = l;
        HttpConnection c = control;
        control = null;
        CompletableFuture<HttpConnection> conn =
                c != null && c.channel().isActive() ? CompletableFuture.completedFuture(c) : driver.open(instance);
        return conn.thenCompose(n -> {
            stream = n;
            return n.stream(SseDriver.getStream(driver.basePath() + "/sse", credential, -1), l, this);
        });
    }

    @Override
    public void streamEnded(HttpConnection connection, boolean beforeOpen) {
        if (closed || suspended || driver.closed() || connection != stream) {
            return;
        }
        StreamListener l = listener;
        if (l == null) {
            return;
        }
        driver.stats().streamClosedByServer();
        remember(connection);
        // Resume from the last position seen, as a browser EventSource does with Last-Event-ID.
        connection.channel().eventLoop().schedule(() -> resume(l), RESUME_DELAY_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void resume(StreamListener l) {
        if (closed || driver.closed()) {
            return;
        }
        driver.open(instance)
                .thenCompose(n -> {
                    stream = n;
                    driver.stats().resumed();
                    return n.stream(resumeRequest(l), l, this);
                })
                .exceptionally(e -> null);
    }

    @Override
    public void closeControl() {
        HttpConnection c = control;
        control = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void suspendStream() {
        suspended = true;
        HttpConnection s = stream;
        if (s != null) {
            s.close();
            remember(s);
        }
    }

    private void remember(HttpConnection connection) {
        String v = connection.lastVectorId();
        if (v != null) {
            lastVectorId = v;
        }
    }

    private io.netty.buffer.ByteBuf resumeRequest(StreamListener l) {
        String v = lastVectorId;
        return v != null
                ? SseDriver.getStream(driver.basePath() + "/sse", credential, v)
                : SseDriver.getStream(driver.basePath() + "/sse", credential, l.lastPosition());
    }

    @Override
    public CompletionStage<Void> resumeStream() {
        StreamListener l = listener;
        if (l == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("the stream was never opened"));
        }
        suspended = false;
        return driver.open(instance).thenCompose(n -> {
            stream = n;
            return n.stream(resumeRequest(l), l, this);
        });
    }

    @Override
    public void close() {
        closed = true;
        HttpConnection c = control;
        if (c != null) {
            c.close();
        }
        HttpConnection s = stream;
        if (s != null) {
            s.close();
        }
    }
}
