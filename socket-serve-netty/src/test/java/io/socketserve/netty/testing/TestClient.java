package io.socketserve.netty.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A recorder-style protocol client for tests, over real HTTP: POSTs with {@link HttpClient}, the SSE
 * stream over a plain socket read on a background thread. Received frames queue in a {@link
 * FrameRecorder}; everything received (stream bytes and poll bodies) is also kept as text so a test
 * can assert what a client could ever have seen.
 *
 * <pre>{@code
 * TestClient alice = new TestClient(URI.create("http://127.0.0.1:" + http.port() + "/socket"));
 * alice.connect();
 * alice.openStream();
 * alice.emit("joinChannel", Map.of("channelName", "general"));
 * alice.awaitEvent("userJoined");
 * alice.assertExhausted();
 * }</pre>
 *
 * <p>The credential travels in the JSON body of POSTs and in the query of {@code GET /sse}, as the
 * original client sends it; {@link #useHeaderCredential()} switches to the {@code
 * X-Socket-Serve-Session} header.
 */
public final class TestClient implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration TIMEOUT = FrameRecorder.DEFAULT_TIMEOUT;
    private static final AtomicLong MESSAGE_IDS = new AtomicLong();

    private final URI base;
    private final InetSocketAddress address;
    private final FrameRecorder recorder = new FrameRecorder();
    private final StringBuffer received = new StringBuffer();
    private final AtomicInteger keepalives = new AtomicInteger();
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicLong lastEventId = new AtomicLong(-1);
    private final java.util.concurrent.atomic.AtomicReference<@Nullable String> lastEventIdText =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final Map<String, Function<JsonNode, @Nullable Object>> answers = new ConcurrentHashMap<>();
    private final List<Integer> statuses = new CopyOnWriteArrayList<>();
    private boolean headerCredential;
    private @Nullable String credential;
    private @Nullable String id;
    private volatile @Nullable SseStream stream;

    /** A client of the endpoints under {@code base}, e.g. {@code http://127.0.0.1:8080/socket}. */
    public TestClient(URI base) {
        this.base = base;
        this.address = new InetSocketAddress(base.getHost(), base.getPort());
    }

    /** Sends the credential in the {@code X-Socket-Serve-Session} header from now on. */
    public TestClient useHeaderCredential() {
        this.headerCredential = true;
        return this;
    }

    /** A second client for the same session (same credential), with its own recorder and stream. */
    public TestClient twin() {
        TestClient t = new TestClient(base);
        t.credential = credential();
        t.id = id();
        t.headerCredential = headerCredential;
        return t;
    }

    /** The same session (same credential) talking to another server, e.g. a second instance. */
    public TestClient via(URI otherBase) {
        TestClient t = new TestClient(otherBase);
        t.credential = credential();
        t.id = id();
        t.headerCredential = headerCredential;
        return t;
    }

    /** A client that pretends to hold {@code credential} (for forged and stale credentials). */
    public TestClient withCredential(String credential) {
        TestClient t = new TestClient(base);
        t.credential = credential;
        t.id = credential.contains(".") ? credential.substring(0, credential.indexOf('.')) : credential;
        return t;
    }

    // ------------------------------------------------------------------------------------ session

    /** {@code POST /connect} with no body (the original basic client); fails unless 200. */
    public HttpResult connect() {
        return connect(null);
    }

    /** {@code POST /connect} with a JSON body; fails unless 200. */
    public HttpResult connect(@Nullable Object body) {
        HttpResult r = post("/connect", body == null ? new byte[0] : json(body), Map.of());
        if (r.status() != 200) {
            throw new AssertionError("connect failed: " + r);
        }
        this.credential = r.json().path("sessionId").asText();
        this.id = r.json().path("id").asText();
        return r;
    }

    /** The credential (the wire's {@code sessionId}). */
    public String credential() {
        if (credential == null) {
            throw new IllegalStateException("not connected");
        }
        return credential;
    }

    /** The public id. */
    public String id() {
        if (id == null) {
            throw new IllegalStateException("not connected");
        }
        return id;
    }

    /** {@code POST /disconnect}. */
    public HttpResult disconnect() {
        return post("/disconnect", json(credentialBody()), credentialHeaders());
    }

    // ------------------------------------------------------------------------------------- events

    /** {@code POST /message} without an ack request. */
    public HttpResult emit(String event, @Nullable Object data) {
        Map<String, Object> body = credentialBody();
        body.put("event", event);
        body.put("data", data);
        return post("/message", json(body), credentialHeaders());
    }

    /** An event sent with an acknowledgement request, and the server's answer to the POST. */
    public record Emitted(String messageId, HttpResult response) {}

    /** {@code POST /message} with {@code requiresAck}: the ack comes as an {@code __ack} frame. */
    public Emitted emitWithAck(String event, @Nullable Object data) {
        return emitWithAck(event, data, false);
    }

    /** {@code POST /message} with {@code requiresAck}, optionally asking for the ack in the response. */
    public Emitted emitWithAck(String event, @Nullable Object data, boolean ackInResponse) {
        String messageId = "t" + MESSAGE_IDS.incrementAndGet();
        Map<String, Object> body = credentialBody();
        body.put("event", event);
        body.put("data", data);
        body.put("messageId", messageId);
        body.put("requiresAck", true);
        if (ackInResponse) {
            body.put("ackInResponse", true);
        }
        return new Emitted(messageId, post("/message", json(body), credentialHeaders()));
    }

    /** Waits for the {@code __ack} frame answering {@code messageId}. */
    public ReceivedFrame awaitAck(String messageId) {
        return recorder.await(
                f -> f.event().equals("__ack") && messageId.equals(f.messageId()), "__ack for " + messageId, TIMEOUT);
    }

    /** Answers a server→client acknowledgement request: posts {@code __ack} with the message id. */
    public HttpResult answerAck(String messageId, @Nullable Object answer) {
        Map<String, Object> body = credentialBody();
        body.put("event", "__ack");
        body.put("messageId", messageId);
        body.put("data", answer);
        return post("/message", json(body), credentialHeaders());
    }

    /** From now on, answers every ack request of {@code event} with {@code answer(data)} as it arrives. */
    public TestClient autoAnswer(String event, Function<JsonNode, @Nullable Object> answer) {
        answers.put(event, answer);
        return this;
    }

    // ------------------------------------------------------------------------------------ streams

    /** Opens the SSE stream and returns its {@code connected} frame. */
    public ReceivedFrame openStream() {
        return openStream(Map.of(), Map.of());
    }

    /** Opens the SSE stream resuming with {@code Last-Event-ID}. */
    public ReceivedFrame openStream(long lastEventId) {
        return openStream(Map.of(), Map.of("Last-Event-ID", Long.toString(lastEventId)));
    }

    /** Opens the SSE stream resuming with {@code Last-Event-ID} as text (a position over several partitions too). */
    public ReceivedFrame openStream(String lastEventId) {
        return openStream(Map.of(), Map.of("Last-Event-ID", lastEventId));
    }

    /** Opens the SSE stream resuming with the {@code lastEventId} query parameter. */
    public ReceivedFrame openStreamWithQuery(long lastEventId) {
        return openStream(Map.of("lastEventId", Long.toString(lastEventId)), Map.of());
    }

    private ReceivedFrame openStream(Map<String, String> query, Map<String, String> headers) {
        HttpResult r = tryOpenStream(query, headers);
        if (r.status() != 200) {
            throw new AssertionError("stream refused: " + r);
        }
        ReceivedFrame connected = recorder.next(TIMEOUT);
        if (!connected.event().equals("connected")) {
            throw new AssertionError("first frame of a stream must be 'connected', got " + connected);
        }
        return connected;
    }

    /**
     * Opens a stream with these extra query parameters and headers; returns 200 (the stream runs) or
     * the error response. Closes the current stream's reader reference but not its connection.
     */
    public HttpResult tryOpenStream(Map<String, String> query, Map<String, String> headers) {
        Map<String, String> q = new LinkedHashMap<>();
        if (!headerCredential && credential != null) {
            q.put("sessionId", credential);
        }
        q.putAll(query);
        Map<String, String> h = new LinkedHashMap<>(credentialHeaders());
        h.put("Accept", "text/event-stream");
        h.putAll(headers);
        int number = streams.incrementAndGet();
        byte[] request = RawHttp.request("GET", target("/sse", q), hostHeader(), h, null);
        try {
            SseStream.Opened opened = SseStream.open(address, request, number, listener(number));
            statuses.add(opened.response().status());
            if (opened.stream() != null) {
                this.stream = opened.stream();
            } else {
                received.append(opened.response().text()).append('\n');
            }
            return opened.response();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SseParser.Listener listener(int number) {
        return new SseParser.Listener() {
            @Override
            public void frame(ReceivedFrame frame) {
                if (frame.id() != null) {
                    lastEventId.set(frame.id());
                }
                if (frame.rawId() != null) {
                    lastEventIdText.set(frame.rawId());
                }
                Function<JsonNode, @Nullable Object> answer = answers.get(frame.event());
                if (answer != null && frame.requiresAck() && frame.messageId() != null) {
                    answerAsync(frame.messageId(), answer.apply(frame.data()));
                }
                recorder.add(frame);
            }

            @Override
            public void comment(String text) {
                if (text.equals("keepalive")) {
                    keepalives.incrementAndGet();
                }
            }

            @Override
            public void raw(String line) {
                received.append(line).append('\n');
            }
        };
    }

    /** Drops the stream abruptly (TCP reset); returns once nothing more will be recorded from it. */
    public void closeStream() {
        SseStream s = stream;
        if (s != null) {
            s.close();
            stream = null;
        }
    }

    /** Waits until the server ends the current stream; {@code false} if it is still open after {@code timeout}. */
    public boolean awaitStreamEnd(Duration timeout) {
        SseStream s = stream;
        if (s == null) {
            return true;
        }
        try {
            return s.awaitEnd(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether a stream is open and the server has not ended it. */
    public boolean streamOpen() {
        SseStream s = stream;
        return s != null && !s.ended();
    }

    /** The SSE id of the last frame received that had one, or -1. */
    public long lastEventId() {
        return lastEventId.get();
    }

    /** The SSE id of the last frame received that had one, as sent (a position over several partitions too), or null. */
    public @Nullable String lastEventIdText() {
        return lastEventIdText.get();
    }

    /** Keepalive comments received so far. */
    public int keepalives() {
        return keepalives.get();
    }

    /** Opens a stream whose client never reads (a slow consumer); see {@link StalledStream}. */
    public StalledStream openStalledStream(int receiveBufferBytes, Map<String, String> headers) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put("Accept", "text/event-stream");
        byte[] request =
                RawHttp.request("GET", target("/sse", Map.of("sessionId", credential())), hostHeader(), h, null);
        try {
            return new StalledStream(address, request, receiveBufferBytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------ polling

    /** One answer to a poll. */
    public record PollResult(HttpResult http, List<ReceivedFrame> messages, long position, String positionText) {

        public PollResult(HttpResult http, List<ReceivedFrame> messages, long position) {
            this(http, messages, position, Long.toString(position));
        }

        /** The events of the messages, in order. */
        public List<String> events() {
            return messages.stream().map(ReceivedFrame::event).toList();
        }
    }

    /** Polls with the server-side cursor (the original client's poll). */
    public PollResult poll() {
        return poll(-1, 0);
    }

    /** Polls after {@code after} (unless negative), waiting up to {@code waitMillis} (if positive). */
    public PollResult poll(long after, long waitMillis) {
        return poll(after < 0 ? null : Long.toString(after), waitMillis);
    }

    /** Polls after the position {@code after} in its text form (any partition count; none: the server cursor). */
    public PollResult poll(@Nullable String after, long waitMillis) {
        Map<String, String> q = new LinkedHashMap<>();
        if (!headerCredential) {
            q.put("sessionId", credential());
        }
        q.put("transport", "polling");
        if (after != null) {
            q.put("after", after);
        }
        if (waitMillis > 0) {
            q.put("wait", Long.toString(waitMillis));
        }
        HttpResult r = send(
                HttpRequest.newBuilder(origin().resolve(target("/sse", q)))
                        .timeout(Duration.ofSeconds(40))
                        .GET(),
                credentialHeaders());
        List<ReceivedFrame> messages = new ArrayList<>();
        for (JsonNode m : r.json().path("messages")) {
            messages.add(new ReceivedFrame(null, m, 0));
        }
        JsonNode position = r.json().path("position");
        return new PollResult(
                r,
                messages,
                position.isNumber() ? position.asLong() : -1,
                position.isMissingNode() ? null : position.asText());
    }

    // ---------------------------------------------------------------------------------- recording

    /** The recorder of received frames. */
    public FrameRecorder frames() {
        return recorder;
    }

    public ReceivedFrame awaitEvent(String name) {
        return recorder.awaitEvent(name, TIMEOUT);
    }

    public ReceivedFrame awaitEvent(String name, Duration timeout) {
        return recorder.awaitEvent(name, timeout);
    }

    public ReceivedFrame await(Predicate<ReceivedFrame> match, String description) {
        return recorder.await(match, description, TIMEOUT);
    }

    public List<ReceivedFrame> awaitEvents(String name, int count) {
        return recorder.awaitEvents(name, count, TIMEOUT);
    }

    public ReceivedFrame assertEvent(String name) {
        return recorder.assertEvent(name);
    }

    public void assertExhausted() {
        recorder.assertExhausted();
    }

    /** Everything this client received (stream lines and response bodies), as text. */
    public String receivedText() {
        return received.toString();
    }

    /** The status of every response this client received. */
    public List<Integer> statuses() {
        return List.copyOf(statuses);
    }

    // ------------------------------------------------------------------------------- raw requests

    /** A POST under the base path with exactly these body bytes and headers (no credential added). */
    public HttpResult rawPost(String path, byte[] body, Map<String, String> headers) {
        return raw("POST", base.getPath() + path, headers, body);
    }

    /** A GET under the base path ({@code path} may carry a query) with these headers. */
    public HttpResult rawGet(String path, Map<String, String> headers) {
        return raw("GET", base.getPath() + path, headers, null);
    }

    /** Any request to any path of the server, over a fresh connection. */
    public HttpResult raw(String method, String target, Map<String, String> headers, byte @Nullable [] body) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.putIfAbsent("Connection", "close");
        try {
            HttpResult r = RawHttp.exchange(address, RawHttp.request(method, target, hostHeader(), h, body));
            statuses.add(r.status());
            received.append(r.text()).append('\n');
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------ helpers

    private HttpResult post(String path, byte[] body, Map<String, String> headers) {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)),
                headers);
    }

    private HttpResult send(HttpRequest.Builder builder, Map<String, String> headers) {
        headers.forEach(builder::header);
        try {
            HttpResponse<byte[]> res = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            HttpResult r = new HttpResult(res.statusCode(), res.headers().map(), res.body());
            statuses.add(r.status());
            received.append(r.text()).append('\n');
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void answerAsync(String messageId, @Nullable Object answer) {
        Map<String, Object> body = credentialBody();
        body.put("event", "__ack");
        body.put("messageId", messageId);
        body.put("data", answer);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/message"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json(body)));
        credentialHeaders().forEach(b::header);
        HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray())
                .thenAccept(res -> statuses.add(res.statusCode()));
    }

    private Map<String, Object> credentialBody() {
        Map<String, Object> body = new LinkedHashMap<>();
        if (!headerCredential) {
            body.put("sessionId", credential());
        }
        return body;
    }

    private Map<String, String> credentialHeaders() {
        return headerCredential && credential != null ? Map.of("X-Socket-Serve-Session", credential) : Map.of();
    }

    private String target(String path, Map<String, String> query) {
        StringBuilder b = new StringBuilder(base.getPath()).append(path);
        char sep = '?';
        for (Map.Entry<String, String> e : query.entrySet()) {
            b.append(sep)
                    .append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
                    .append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = '&';
        }
        return b.toString();
    }

    private URI origin() {
        return URI.create(base.getScheme() + "://" + hostHeader());
    }

    private String hostHeader() {
        return base.getHost() + ":" + base.getPort();
    }

    /** JSON bytes of any value. */
    public static byte[] json(@Nullable Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Closes the stream (abruptly) if one is open. */
    @Override
    public void close() {
        closeStream();
    }
}
