package io.socketserve.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socketserve.client.internal.BinaryCodec;
import io.socketserve.client.internal.SerialExecutor;
import io.socketserve.client.internal.Shared;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A socket-serve client: one session with a server, as the JavaScript client keeps it
 * (docs/java-client.md, docs/protocol.md).
 *
 * <pre>{@code
 * SocketClient socket = SocketClient.connect(URI.create("http://127.0.0.1:8080/socket"), ClientOptions.defaults());
 * socket.on("newMessage", (data, ack) -> System.out.println(data.path("text").asText()));
 * socket.emit("joinChannel", Map.of("channelName", "general"));
 * JsonNode reply = socket.emitWithAck("echo", Map.of("hello", "world")).toCompletableFuture().join();
 * }</pre>
 *
 * <p>Client → server: one {@code POST {base}/message} at a time, in emit order, every event with a
 * {@code seq} (1, 2, … per session, kept by retries) so that the server runs it once. Server →
 * client: Server-Sent Events, resumed on the same session from the last position seen
 * ({@code Last-Event-ID}) when the stream drops; long-polling when streams fail. The credential goes
 * only into the {@code X-Socket-Serve-Session} header and is never logged.
 *
 * <p>Threads: none of its own. Requests run on {@link HttpClient}'s asynchronous API, timers on one
 * shared scheduler thread, listeners on {@link ClientOptions#listenerExecutor()} (by default a
 * serial executor per client over a shared pool, so a client's events are handled one at a time, in
 * order). All methods are thread-safe.
 */
public final class SocketClient {

    /** Reason given to {@link ConnectionStateListener#disconnected} after {@link #disconnect()}. */
    public static final String CLIENT_DISCONNECT = "io client disconnect";

    private static final Logger log = LoggerFactory.getLogger(SocketClient.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SESSION_HEADER = "X-Socket-Serve-Session";
    private static final int SSE_FAILURES_BEFORE_POLLING = 2;
    private static final long POLL_GRACE_MS = 15_000;
    /** A POST unanswered after this long is retried (same {@code seq}: the server runs it once). */
    private static final Duration POST_TIMEOUT = Duration.ofSeconds(60);

    private enum State {
        IDLE,
        CONNECTING,
        OPEN,
        RECONNECTING,
        CLOSED
    }

    private static final class Entry {
        final String event;
        final JsonNode data;
        final String messageId;
        final boolean internal;
        boolean inFlight;
        boolean sent;
        long seq;
        String seqFor;

        Entry(String event, JsonNode data, String messageId, boolean internal) {
            this.event = event;
            this.data = data;
            this.messageId = messageId;
            this.internal = internal;
        }
    }

    private record Pending(Entry entry, CompletableFuture<JsonNode> future, ScheduledFuture<?> timer) {}

    private final String base;
    private final ClientOptions options;
    private final HttpClient http;
    private final Executor listenerExecutor;
    private final Map<String, CopyOnWriteArrayList<EventListener>> listeners = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<AnyEventListener> anyListeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<ConnectionStateListener> stateListeners = new CopyOnWriteArrayList<>();

    private final Object lock = new Object();
    private State state = State.IDLE;
    private String credential;
    private volatile String id = "";
    private volatile boolean connected;
    private volatile Transport transport;
    private volatile long lastFrameAt;
    private long pingIntervalMs = 25_000;
    private String position;
    private boolean announced;
    private int sessionGen;
    private int streamGen;
    private int attempt;
    private int sseFailures;
    private int postAttempt;
    private SseSubscriber stream;
    private CompletableFuture<?> streamRequest;
    private ScheduledFuture<?> watchdog;
    private final Set<ScheduledFuture<?>> timers = new HashSet<>();

    private final ArrayDeque<Entry> outbox = new ArrayDeque<>();
    private boolean sending;
    private final Map<String, Pending> pending = new HashMap<>();
    private long ackSeq;
    private long eventSeq;

    private SocketClient(URI base, ClientOptions options) {
        String b = Objects.requireNonNull(base, "base").toString();
        if (!b.startsWith("http://") && !b.startsWith("https://")) {
            throw new IllegalArgumentException("the base URI must be absolute http(s), got " + b);
        }
        int q = b.indexOf('?');
        if (q >= 0) {
            b = b.substring(0, q);
        }
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        this.base = b;
        this.options = Objects.requireNonNull(options, "options");
        this.http = options.httpClient() != null ? options.httpClient() : Shared.HTTP_CLIENT;
        this.listenerExecutor =
                options.listenerExecutor() != null ? options.listenerExecutor() : new SerialExecutor(Shared.LISTENERS);
        this.transport = options.transport();
    }

    /**
     * Creates a client and starts connecting (it returns at once; register listeners right away —
     * nothing is delivered before the session's stream is up, and emits are queued until then).
     *
     * @param base the server's base URL, e.g. {@code http://127.0.0.1:8080/socket}
     * @param options the settings
     */
    public static SocketClient connect(URI base, ClientOptions options) {
        return new SocketClient(base, options).connect();
    }

    /** Creates a client without connecting; call {@link #connect()} after registering listeners. */
    public static SocketClient create(URI base, ClientOptions options) {
        return new SocketClient(base, options);
    }

    /** Starts connecting; after {@link #disconnect()} connects anew. Does nothing while connected. */
    public SocketClient connect() {
        synchronized (lock) {
            if (state != State.IDLE && state != State.CLOSED) {
                return this;
            }
            state = State.CONNECTING;
            attempt = 0;
        }
        establish();
        return this;
    }

    /** The public id of the current (or last) session; empty before the first connect. */
    public String id() {
        return id;
    }

    /** True while the session's stream (or poll loop) is up. */
    public boolean connected() {
        return connected;
    }

    /** The transport in use ({@link Transport#SSE} may have fallen back to polling). */
    public Transport transport() {
        return transport;
    }

    // ------------------------------------------------------------------ listeners

    /** Adds a listener of an event. */
    public SocketClient on(String event, EventListener listener) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(listener, "listener");
        listeners.computeIfAbsent(event, e -> new CopyOnWriteArrayList<>()).add(listener);
        return this;
    }

    /** Adds a listener that is removed after its first call. {@link #off} takes the given listener. */
    public SocketClient once(String event, EventListener listener) {
        Objects.requireNonNull(listener, "listener");
        on(event, new Once(event, listener));
        return this;
    }

    private final class Once implements EventListener {
        final String event;
        final EventListener target;

        Once(String event, EventListener target) {
            this.event = event;
            this.target = target;
        }

        @Override
        public void onEvent(JsonNode data, Ack ack) throws Exception {
            List<EventListener> list = listeners.get(event);
            if (list != null && list.remove(this)) {
                target.onEvent(data, ack);
            }
        }
    }

    /** Removes one listener of an event (also one added with {@link #once}). */
    public SocketClient off(String event, EventListener listener) {
        List<EventListener> list = listeners.get(event);
        if (list != null) {
            for (EventListener l : list) {
                if (l == listener || (l instanceof Once o && o.target == listener)) {
                    list.remove(l);
                    break;
                }
            }
        }
        return this;
    }

    /** Removes every listener of an event. */
    public SocketClient off(String event) {
        listeners.remove(event);
        return this;
    }

    /** Adds a listener of every event the server sends (called before the event's own listeners). */
    public SocketClient onAny(AnyEventListener listener) {
        anyListeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** Removes a listener added with {@link #onAny}. */
    public SocketClient offAny(AnyEventListener listener) {
        anyListeners.remove(listener);
        return this;
    }

    /** Adds a connection-state listener. */
    public SocketClient onState(ConnectionStateListener listener) {
        stateListeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** Removes a connection-state listener. */
    public SocketClient offState(ConnectionStateListener listener) {
        stateListeners.remove(listener);
        return this;
    }

    // ------------------------------------------------------------------ emitting

    /**
     * Sends an event (queued while not connected, sent in order). {@code data} is anything Jackson
     * can write; {@code byte[]} values, at any depth, travel as binary.
     *
     * @throws SocketClientException {@code queue_full} when not connected and {@code maxQueue}
     *     emits already wait, {@code disconnected} after {@link #disconnect()}
     */
    public SocketClient emit(String event, Object data) {
        Entry entry = newEntry(event, data, null);
        SocketClientException refused;
        synchronized (lock) {
            refused = refusal(event);
            if (refused == null) {
                outbox.add(entry);
            }
        }
        if (refused != null) {
            throw refused;
        }
        flush();
        return this;
    }

    /** Sends an event and completes with the server's acknowledgement, within the default ack timeout. */
    public CompletionStage<JsonNode> emitWithAck(String event, Object data) {
        return emitWithAck(event, data, options.ackTimeout());
    }

    /** As {@link #emitWithAck(String, Object)}, the acknowledgement converted to {@code type}. */
    public <T> CompletionStage<T> emitWithAck(String event, Object data, Class<T> type) {
        return emitWithAck(event, data).thenApply(node -> MAPPER.convertValue(node, type));
    }

    /** As {@link #emitWithAck(String, Object, Duration)}, the acknowledgement converted to {@code type}. */
    public <T> CompletionStage<T> emitWithAck(String event, Object data, Class<T> type, Duration timeout) {
        return emitWithAck(event, data, timeout).thenApply(node -> MAPPER.convertValue(node, type));
    }

    /**
     * Sends an event and completes with the server's acknowledgement, or fails with a
     * {@link SocketClientException}: {@code ack_timeout} (an emit still queued then is withdrawn,
     * never sent later), the server's error code when its handler failed, {@code queue_full},
     * {@code disconnected}, {@code session_lost}.
     */
    public CompletionStage<JsonNode> emitWithAck(String event, Object data, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        CompletableFuture<JsonNode> future = new CompletableFuture<>();
        SocketClientException refused;
        Entry entry;
        synchronized (lock) {
            refused = refusal(event);
            if (refused == null) {
                String messageId = Long.toString(++ackSeq);
                entry = newEntry(event, data, messageId);
                ScheduledFuture<?> timer = Shared.SCHEDULER.schedule(
                        () -> ackTimedOut(entry, timeout), timeout.toMillis(), TimeUnit.MILLISECONDS);
                pending.put(messageId, new Pending(entry, future, timer));
                outbox.add(entry);
            }
        }
        if (refused != null) {
            future.completeExceptionally(refused);
            return future;
        }
        flush();
        return future;
    }

    private void ackTimedOut(Entry entry, Duration timeout) {
        synchronized (lock) {
            if (!pending.containsKey(entry.messageId)) {
                return;
            }
            if (!entry.inFlight && !entry.sent) {
                outbox.remove(entry);
            }
        }
        settleAck(
                entry.messageId,
                null,
                new SocketClientException(
                        "ack_timeout",
                        "no acknowledgement for \"" + entry.event + "\" within " + timeout.toMillis() + " ms",
                        0));
    }

    private Entry newEntry(String event, Object data, String messageId) {
        if (event == null || event.isEmpty()) {
            throw new IllegalArgumentException("the event name must be a non-empty string");
        }
        return new Entry(event, toTree(data), messageId, false);
    }

    private static JsonNode toTree(Object data) {
        if (data == null) {
            return NullNode.getInstance();
        }
        JsonNode tree = data instanceof JsonNode n ? n.deepCopy() : MAPPER.valueToTree(data);
        return BinaryCodec.encode(tree);
    }

    private SocketClientException refusal(String event) {
        if (state == State.IDLE || state == State.CLOSED) {
            return new SocketClientException(
                    "disconnected", "cannot emit \"" + event + "\": the client is disconnected (call connect())", 0);
        }
        if (state != State.OPEN) {
            long queued = outbox.stream().filter(e -> !e.internal).count();
            if (queued >= options.maxQueue()) {
                return new SocketClientException(
                        "queue_full",
                        "cannot emit \"" + event + "\": not connected and " + options.maxQueue()
                                + " message(s) already wait to be sent (maxQueue)",
                        0);
            }
        }
        return null;
    }

    /**
     * Measures the round trip of a {@code __ping} POST (it bypasses the outbox). Fails with
     * {@code not_connected} when the client is not connected.
     */
    public CompletionStage<Duration> ping() {
        String cred;
        synchronized (lock) {
            cred = state == State.OPEN ? credential : null;
        }
        if (cred == null) {
            return CompletableFuture.failedFuture(new SocketClientException("not_connected", "ping: not connected", 0));
        }
        long started = System.nanoTime();
        return http.sendAsync(post("/message", cred, "{\"event\":\"__ping\"}"), HttpResponse.BodyHandlers.ofString())
                .thenApplyAsync(
                        res -> {
                            if (res.statusCode() != 200) {
                                throw errorFrom(res, "ping");
                            }
                            return Duration.ofNanos(System.nanoTime() - started);
                        },
                        Shared.HTTP);
    }

    /** Ends the session: closes the stream, tells the server, fails pending acknowledgements. */
    public void disconnect() {
        String cred;
        synchronized (lock) {
            if (state == State.IDLE || state == State.CLOSED) {
                return;
            }
            cred = credential;
        }
        finalClose(CLIENT_DISCONNECT);
        if (cred != null) {
            http.sendAsync(post("/disconnect", cred, "{}"), HttpResponse.BodyHandlers.discarding());
        }
    }

    // ------------------------------------------------------------------ session

    private void establish() {
        int gen;
        synchronized (lock) {
            gen = ++sessionGen;
            closeStreamLocked();
            credential = null;
            position = null;
            announced = false;
            sseFailures = 0;
            transport = options.transport();
        }
        fireState(ConnectionStateListener::connecting);
        ObjectNode payload = MAPPER.createObjectNode();
        if (options.auth() != null) {
            payload.set("auth", toTree(options.auth()));
        }
        if (options.namespace() != null) {
            payload.put("namespace", options.namespace());
        }
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/connect"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload.toString()))
                .build();
        http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
                .whenCompleteAsync((res, err) -> onConnectAnswer(gen, res, err), Shared.HTTP);
    }

    private void onConnectAnswer(int gen, HttpResponse<String> res, Throwable err) {
        JsonNode body = null;
        SocketClientException failure = null;
        if (err != null) {
            failure = network("connect", err);
        } else if (res.statusCode() != 200) {
            failure = errorFrom(res, "connect");
        } else {
            try {
                body = MAPPER.readTree(res.body());
            } catch (IOException e) {
                body = null;
            }
            if (body == null || !body.path("sessionId").isTextual()) {
                failure = new SocketClientException(
                        "invalid_response", "connect: the server answered without a sessionId", 200);
            }
        }
        boolean useSse;
        synchronized (lock) {
            if (gen != sessionGen || state == State.CLOSED) {
                return;
            }
            if (failure == null) {
                credential = body.get("sessionId").asText();
                eventSeq = 0;
                String publicId = body.path("id").asText("");
                id = publicId.isEmpty() ? credential.substring(0, Math.max(0, credential.indexOf('.'))) : publicId;
                if (body.path("pingInterval").asLong(0) > 0) {
                    pingIntervalMs = body.path("pingInterval").asLong();
                }
                position = body.hasNonNull("position") ? body.get("position").asText() : null;
            }
        }
        if (failure != null) {
            SocketClientException f = failure;
            log.debug("socket-serve client: connect failed: {}", f.getMessage());
            fireState(l -> l.error(f));
            if (!options.autoReconnect()) {
                finalClose("connect_error");
                return;
            }
            synchronized (lock) {
                long delay = f.retryAfterMillis >= 0 ? f.retryAfterMillis : nextDelay();
                scheduleLocked(this::establish, delay);
            }
            return;
        }
        log.debug("socket-serve client {}: session created", id);
        useSse = transport == Transport.SSE;
        if (useSse) {
            openSse(false);
        } else {
            startPolling();
        }
    }

    /** The stream (or poll loop) is up: announces it and flushes the outbox. */
    private void onOpen(JsonNode connectedData) {
        boolean resumed;
        synchronized (lock) {
            if (connectedData != null && connectedData.path("id").isTextual()) {
                id = connectedData.get("id").asText();
            }
            attempt = 0;
            state = State.OPEN;
            connected = true;
            resumed = announced;
            announced = true;
        }
        String publicId = id;
        fireState(l -> l.connected(publicId, resumed));
        flush();
    }

    /** The stream failed: returns the delay before the next attempt, tells the listeners. */
    private long retrying(SocketClientException err) {
        long delay;
        int failed;
        boolean tell;
        synchronized (lock) {
            connected = false;
            failed = attempt;
            delay = err != null && err.retryAfterMillis >= 0 ? err.retryAfterMillis : nextDelay();
            tell = announced && (state == State.OPEN || state == State.RECONNECTING);
            if (tell) {
                state = State.RECONNECTING;
            }
        }
        if (err != null) {
            fireState(l -> l.error(err));
        }
        if (tell) {
            long d = delay;
            fireState(l -> l.reconnecting(failed, Duration.ofMillis(d)));
        }
        return delay;
    }

    private void sessionLost(SocketClientException err, String lostCredential) {
        String reason = err.code();
        boolean wasAnnounced;
        List<Pending> failed = new ArrayList<>();
        synchronized (lock) {
            if (state == State.CLOSED || credential == null || !credential.equals(lostCredential)) {
                return;
            }
            closeStreamLocked();
            connected = false;
            for (Pending p : pending.values()) {
                if (p.entry.sent) {
                    failed.add(p);
                }
            }
            outbox.removeIf(e -> e.internal);
            if (!("unknown_session".equals(err.code()) && options.autoReconnect())) {
                wasAnnounced = false;
            } else {
                wasAnnounced = announced;
                state = State.CONNECTING;
                announced = false;
                credential = null;
                sessionGen++;
                scheduleLocked(this::establish, nextDelay());
            }
        }
        for (Pending p : failed) {
            settleAck(
                    p.entry.messageId,
                    null,
                    new SocketClientException(
                            "session_lost",
                            "the session ended (" + reason + ") before the acknowledgement arrived",
                            err.status()));
        }
        if (!("unknown_session".equals(err.code()) && options.autoReconnect())) {
            finalClose(reason);
            return;
        }
        log.debug("socket-serve client {}: the server no longer knows the session; connecting anew", id);
        if (wasAnnounced) {
            fireState(l -> l.disconnected(reason));
        } else {
            fireState(l -> l.error(err));
        }
    }

    private void finalClose(String reason) {
        boolean wasAnnounced;
        long unsent;
        List<Pending> failed;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            wasAnnounced = announced;
            state = State.CLOSED;
            connected = false;
            announced = false;
            sessionGen++;
            closeStreamLocked();
            for (ScheduledFuture<?> t : timers) {
                t.cancel(false);
            }
            timers.clear();
            unsent = outbox.stream()
                    .filter(e -> !e.internal && e.messageId == null)
                    .count();
            outbox.clear();
            failed = new ArrayList<>(pending.values());
        }
        for (Pending p : failed) {
            settleAck(
                    p.entry.messageId,
                    null,
                    new SocketClientException("disconnected", "the client was closed (" + reason + ")", 0));
        }
        if (wasAnnounced) {
            fireState(l -> l.disconnected(reason));
        }
        if (unsent > 0 && !CLIENT_DISCONNECT.equals(reason)) {
            log.warn("socket-serve client {}: {} queued message(s) were not sent: closed ({})", id, unsent, reason);
        }
    }

    private void closeStreamLocked() {
        streamGen++;
        if (watchdog != null) {
            watchdog.cancel(false);
            watchdog = null;
        }
        SseSubscriber s = stream;
        CompletableFuture<?> r = streamRequest;
        stream = null;
        streamRequest = null;
        if (s != null || r != null) {
            // Never cancelled under the lock: the HTTP client may be delivering a line of this very
            // stream to onNext (which takes the lock) while holding its own lock.
            Shared.HTTP.execute(() -> {
                if (s != null) {
                    s.cancel();
                }
                if (r != null) {
                    r.cancel(true);
                }
            });
        }
    }

    // ------------------------------------------------------------------ SSE

    private void openSse(boolean resume) {
        int gen;
        String cred;
        String pos;
        SseSubscriber sub;
        synchronized (lock) {
            closeStreamLocked();
            gen = streamGen;
            if (state == State.CLOSED || credential == null) {
                return;
            }
            cred = credential;
            pos = position;
            sub = new SseSubscriber(gen);
            stream = sub;
            lastFrameAt = System.nanoTime();
            long period = Math.max(
                    50, Math.min(pingIntervalMs / 2, options.openTimeout().toMillis() / 4));
            watchdog =
                    Shared.SCHEDULER.scheduleAtFixedRate(() -> watch(gen, sub), period, period, TimeUnit.MILLISECONDS);
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(base + "/sse?ping=1"))
                .header(SESSION_HEADER, cred)
                .header("Accept", "text/event-stream")
                .GET();
        if (resume && pos != null) {
            rb.header("Last-Event-ID", pos);
        }
        CompletableFuture<HttpResponse<String>> req = http.sendAsync(
                rb.build(),
                info -> info.statusCode() == 200
                        ? BodySubscribers.mapping(BodySubscribers.fromLineSubscriber(sub), v -> (String) null)
                        : BodySubscribers.ofString(StandardCharsets.UTF_8));
        synchronized (lock) {
            if (gen == streamGen) {
                streamRequest = req;
            }
        }
        req.whenCompleteAsync((res, err) -> onStreamEnd(gen, sub, cred, res, err), Shared.HTTP);
    }

    private void onStreamEnd(int gen, SseSubscriber sub, String cred, HttpResponse<String> res, Throwable err) {
        synchronized (lock) {
            if (gen != streamGen || state == State.CLOSED) {
                return;
            }
            closeStreamLocked();
        }
        if (res != null && res.statusCode() != 200) {
            SocketClientException e = errorFrom(res, "stream");
            if (isSessionLost(e)) {
                sessionLost(e, cred);
                return;
            }
            streamFailed(e);
            return;
        }
        if (sub.opened) {
            log.debug(
                    "socket-serve client {}: the stream ended ({}); resuming",
                    id,
                    err == null ? "closed" : err.toString());
            long delay = retrying(null);
            synchronized (lock) {
                scheduleLocked(() -> openSse(true), delay);
            }
            return;
        }
        streamFailed(
                err != null
                        ? network("stream", err)
                        : new SocketClientException("sse_failed", "the event stream ended before it opened", 0));
    }

    /** A stream did not open (or went silent): retry, or fall back to polling after two failures. */
    private void streamFailed(SocketClientException e) {
        boolean poll;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            closeStreamLocked();
            connected = false;
            poll = ++sseFailures >= SSE_FAILURES_BEFORE_POLLING;
        }
        if (poll) {
            log.info("socket-serve client {}: the event stream failed twice; falling back to long-polling", id);
            startPolling();
            return;
        }
        long delay = retrying(e);
        synchronized (lock) {
            scheduleLocked(() -> openSse(true), delay);
        }
    }

    private void watch(int gen, SseSubscriber sub) {
        long silentMs;
        synchronized (lock) {
            if (gen != streamGen) {
                return;
            }
            silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastFrameAt);
        }
        if (!sub.opened) {
            if (silentMs > options.openTimeout().toMillis()) {
                streamFailed(new SocketClientException("sse_timeout", "the event stream did not open", 0));
            }
        } else if (silentMs > pingIntervalMs * 5 / 2) {
            streamFailed(new SocketClientException("heartbeat_timeout", "no heartbeat from the server", 0));
        }
    }

    /** Reads the event stream line by line (called by the HTTP client, one line at a time). */
    private final class SseSubscriber implements Flow.Subscriber<String> {
        final int gen;
        volatile boolean opened;
        private volatile Flow.Subscription subscription;
        private volatile boolean cancelled;
        private final StringBuilder data = new StringBuilder();
        private boolean hasData;
        private String eventId;

        SseSubscriber(int gen) {
            this.gen = gen;
        }

        void cancel() {
            cancelled = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (cancelled) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(String line) {
            if (cancelled) {
                return;
            }
            lastFrameAt = System.nanoTime();
            if (line.isEmpty()) {
                if (hasData) {
                    String text = data.toString();
                    String frameId = eventId;
                    data.setLength(0);
                    hasData = false;
                    eventId = null;
                    onSseFrame(this, text, frameId);
                }
                return;
            }
            if (line.charAt(0) == ':') {
                return;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if (field.equals("data")) {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            } else if (field.equals("id")) {
                eventId = value;
            }
        }

        @Override
        public void onError(Throwable throwable) {
            // the response future completes exceptionally too: handled there
        }

        @Override
        public void onComplete() {
            // the response future completes too: handled there
        }
    }

    private void onSseFrame(SseSubscriber sub, String text, String frameId) {
        JsonNode frame;
        try {
            frame = MAPPER.readTree(text);
        } catch (IOException e) {
            log.warn("socket-serve client {}: ignored a frame that is not JSON", id);
            return;
        }
        if (!(frame instanceof ObjectNode o)) {
            return;
        }
        synchronized (lock) {
            if (sub.gen != streamGen || state == State.CLOSED) {
                return;
            }
        }
        if (!sub.opened) {
            sub.opened = true;
            synchronized (lock) {
                sseFailures = 0;
            }
            boolean isConnected = "connected".equals(o.path("event").asText());
            onOpen(isConnected ? o.get("data") : null);
            if (isConnected) {
                return;
            }
        }
        if (frameId != null && !frameId.isEmpty()) {
            synchronized (lock) {
                if (sub.gen != streamGen) {
                    return;
                }
                position = frameId;
            }
        }
        handleFrame(o);
    }

    // ------------------------------------------------------------------ polling

    private void startPolling() {
        int gen;
        boolean announce;
        synchronized (lock) {
            closeStreamLocked();
            gen = streamGen;
            if (state == State.CLOSED) {
                return;
            }
            transport = Transport.POLLING;
            announce = !announced;
        }
        if (announce) {
            onOpen(null);
        }
        poll(gen);
    }

    private void poll(int gen) {
        String cred;
        String pos;
        synchronized (lock) {
            if (gen != streamGen || state == State.CLOSED || credential == null) {
                return;
            }
            cred = credential;
            pos = position;
        }
        long wait = options.pollWait().toMillis();
        StringBuilder url = new StringBuilder(base).append("/sse?transport=polling");
        if (pos != null) {
            url.append("&after=").append(URLEncoder.encode(pos, StandardCharsets.UTF_8));
        }
        if (wait > 0) {
            url.append("&wait=").append(wait);
        }
        HttpRequest req = HttpRequest.newBuilder(URI.create(url.toString()))
                .header(SESSION_HEADER, cred)
                .header("Accept", "application/json")
                .timeout(Duration.ofMillis(wait + POLL_GRACE_MS))
                .GET()
                .build();
        CompletableFuture<HttpResponse<String>> f = http.sendAsync(req, HttpResponse.BodyHandlers.ofString());
        synchronized (lock) {
            if (gen == streamGen) {
                streamRequest = f;
            }
        }
        f.whenCompleteAsync((res, err) -> onPolled(gen, cred, res, err), Shared.HTTP);
    }

    private void onPolled(int gen, String cred, HttpResponse<String> res, Throwable err) {
        synchronized (lock) {
            if (gen != streamGen || state == State.CLOSED) {
                return;
            }
        }
        SocketClientException failure = null;
        JsonNode body = null;
        if (err != null) {
            failure = network("poll", err);
        } else if (res.statusCode() != 200) {
            failure = errorFrom(res, "poll");
        } else {
            try {
                body = MAPPER.readTree(res.body());
            } catch (IOException e) {
                body = null;
            }
            if (body == null || !body.path("messages").isArray()) {
                failure = new SocketClientException(
                        "invalid_response", "poll: the server answered without a messages array", 200);
            }
        }
        if (failure != null) {
            if (isSessionLost(failure)) {
                sessionLost(failure, cred);
                return;
            }
            long delay = retrying(failure);
            synchronized (lock) {
                if (gen == streamGen) {
                    scheduleLocked(() -> poll(gen), delay);
                }
            }
            return;
        }
        boolean open;
        synchronized (lock) {
            open = state == State.OPEN;
        }
        if (!open) {
            onOpen(null);
        }
        synchronized (lock) {
            if (gen != streamGen) {
                return;
            }
            if (body.hasNonNull("position")) {
                position = body.get("position").asText();
            }
        }
        for (JsonNode m : body.get("messages")) {
            synchronized (lock) {
                if (gen != streamGen || state == State.CLOSED) {
                    return;
                }
            }
            if (m instanceof ObjectNode o) {
                handleFrame(o);
            }
        }
        poll(gen);
    }

    // ------------------------------------------------------------------ inbound frames

    private void handleFrame(ObjectNode frame) {
        String event = frame.path("event").asText(null);
        if (event == null) {
            return;
        }
        JsonNode data = frame.hasNonNull("data") ? BinaryCodec.decode(frame.get("data")) : NullNode.getInstance();
        switch (event) {
            case "__ack" -> {
                if (frame.hasNonNull("messageId")) {
                    String messageId = frame.get("messageId").asText();
                    JsonNode error = frame.get("error");
                    if (error != null && !error.isNull()) {
                        settleAck(
                                messageId,
                                null,
                                new SocketClientException(
                                        error.path("error").asText("ack_error"),
                                        "emit rejected by the server: "
                                                + error.path("message")
                                                        .asText(error.path("error")
                                                                .asText()),
                                        0));
                    } else {
                        settleAck(messageId, data, null);
                    }
                }
                return;
            }
            case "__missed" -> {
                long after = data.path("after").asLong();
                long oldest = data.path("oldest").asLong();
                fireState(l -> l.missed(after, oldest));
                return;
            }
            case "__disconnect" -> {
                finalClose(data.path("reason").asText("server disconnect"));
                return;
            }
            case "connected", "__ping" -> {
                return;
            }
            default -> {}
        }
        Ack ack = NO_ACK;
        if (frame.path("requiresAck").asBoolean(false) && frame.hasNonNull("messageId")) {
            ack = new ServerAck(frame.get("messageId").asText());
        }
        Ack a = ack;
        List<EventListener> list = listeners.get(event);
        listenerExecutor.execute(() -> {
            for (AnyEventListener l : anyListeners) {
                try {
                    l.onEvent(event, data);
                } catch (Exception e) {
                    log.error("socket-serve client {}: an onAny listener failed on \"{}\"", id, event, e);
                }
            }
            if (list != null) {
                for (EventListener l : list) {
                    try {
                        l.onEvent(data, a);
                    } catch (Exception e) {
                        log.error("socket-serve client {}: a listener of \"{}\" failed", id, event, e);
                    }
                }
            }
        });
    }

    private static final Ack NO_ACK = new Ack() {
        @Override
        public void send(Object response) {}

        @Override
        public boolean requested() {
            return false;
        }
    };

    /** Answers a server → client acknowledgement: the first answer wins. */
    private final class ServerAck implements Ack {
        private final String messageId;
        private final int gen;
        private boolean answered;

        ServerAck(String messageId) {
            this.messageId = messageId;
            synchronized (lock) {
                this.gen = sessionGen;
            }
        }

        @Override
        public void send(Object response) {
            JsonNode tree = toTree(response);
            synchronized (lock) {
                if (answered || gen != sessionGen) {
                    return;
                }
                answered = true;
                outbox.add(new Entry("__ack", tree, messageId, true));
            }
            flush();
        }

        @Override
        public boolean requested() {
            return true;
        }
    }

    // ------------------------------------------------------------------ outbound messages

    /** Sends the head of the outbox: one POST at a time, in order, only while open. */
    private void flush() {
        Entry entry;
        String cred;
        ObjectNode body = MAPPER.createObjectNode();
        synchronized (lock) {
            if (sending || state != State.OPEN || outbox.isEmpty()) {
                return;
            }
            sending = true;
            entry = outbox.peekFirst();
            cred = credential;
            entry.inFlight = true;
            if (!entry.internal && !cred.equals(entry.seqFor)) {
                // One number per event and session, kept by every retry: the server runs it once.
                entry.seq = ++eventSeq;
                entry.seqFor = cred;
            }
        }
        body.put("event", entry.event);
        body.set("data", entry.data);
        if (entry.internal) {
            body.put("messageId", entry.messageId);
        } else if (entry.messageId != null) {
            body.put("messageId", entry.messageId);
            body.put("requiresAck", true);
            body.put("ackInResponse", true);
            body.put("seq", entry.seq);
        } else {
            body.put("requiresAck", false);
            body.put("seq", entry.seq);
        }
        http.sendAsync(post("/message", cred, body.toString()), HttpResponse.BodyHandlers.ofString())
                .whenCompleteAsync((res, err) -> onPosted(entry, cred, res, err), Shared.HTTP);
    }

    private void onPosted(Entry entry, String cred, HttpResponse<String> res, Throwable err) {
        long retryIn = -1;
        try {
            if (err != null) {
                // The server may or may not have seen it: retry the same message, in order, with the
                // same seq; a server that saw it answers with its first answer instead of running it.
                log.debug("socket-serve client {}: POST failed ({}); retrying", id, err.toString());
                retryIn = postDelay();
                return;
            }
            int status = res.statusCode();
            if (status == 200) {
                synchronized (lock) {
                    postAttempt = 0;
                    outbox.remove(entry);
                    entry.sent = true;
                }
                if (!entry.internal && entry.messageId != null) {
                    JsonNode json = null;
                    try {
                        json = MAPPER.readTree(res.body());
                    } catch (IOException e) {
                        json = null;
                    }
                    if (json != null && json.has("ack")) {
                        settleAck(entry.messageId, BinaryCodec.decode(json.get("ack")), null);
                    }
                }
                return;
            }
            SocketClientException e = errorFrom(res, "emit \"" + entry.event + "\"");
            if (isSessionLost(e)) {
                // the message stays queued for the next session (dropped if the client closes)
                sessionLost(e, cred);
                return;
            }
            if (status == 429
                    || status == 502
                    || status == 503
                    || status == 504
                    || (status == 409 && "event_in_progress".equals(e.code()))) {
                retryIn = e.retryAfterMillis >= 0 ? e.retryAfterMillis : postDelay();
                return;
            }
            synchronized (lock) {
                outbox.remove(entry);
                entry.sent = true;
            }
            if (entry.messageId != null && !entry.internal) {
                settleAck(entry.messageId, null, e);
            } else {
                // an emit without ack that the server refused: reported, never swallowed
                log.warn("socket-serve client {}: {}", id, e.getMessage());
                fireState(l -> l.error(e));
            }
        } finally {
            synchronized (lock) {
                entry.inFlight = false;
                sending = false;
                if (retryIn >= 0) {
                    scheduleLocked(this::flush, retryIn);
                }
            }
            if (retryIn < 0) {
                flush();
            }
        }
    }

    private void settleAck(String messageId, JsonNode value, SocketClientException error) {
        Pending p;
        synchronized (lock) {
            p = pending.remove(messageId);
        }
        if (p == null) {
            return;
        }
        p.timer.cancel(false);
        // completed on the shared pool: continuations never block the client's listener order
        Shared.LISTENERS.execute(() -> {
            if (error != null) {
                p.future.completeExceptionally(error);
            } else {
                p.future.complete(value);
            }
        });
    }

    // ------------------------------------------------------------------ helpers

    private HttpRequest post(String path, String cred, String body) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header(SESSION_HEADER, cred)
                .timeout(POST_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private void fireState(java.util.function.Consumer<ConnectionStateListener> call) {
        if (stateListeners.isEmpty()) {
            return;
        }
        listenerExecutor.execute(() -> {
            for (ConnectionStateListener l : stateListeners) {
                try {
                    call.accept(l);
                } catch (RuntimeException e) {
                    log.error("socket-serve client {}: a connection-state listener failed", id, e);
                }
            }
        });
    }

    private void scheduleLocked(Runnable task, long delayMs) {
        if (state == State.CLOSED) {
            return;
        }
        ScheduledFuture<?>[] holder = new ScheduledFuture<?>[1];
        holder[0] = Shared.SCHEDULER.schedule(
                () -> {
                    synchronized (lock) {
                        timers.remove(holder[0]);
                    }
                    task.run();
                },
                Math.max(0, delayMs),
                TimeUnit.MILLISECONDS);
        timers.add(holder[0]);
    }

    /** Exponential backoff with full jitter: uniform in [0, d], d doubling up to the maximum. */
    private long nextDelay() {
        return jitter(attempt++);
    }

    private long postDelay() {
        synchronized (lock) {
            return jitter(postAttempt++);
        }
    }

    private long jitter(int n) {
        long baseMs = options.reconnectDelay().toMillis();
        long max = options.reconnectDelayMax().toMillis();
        long d = Math.min(max, baseMs << Math.min(n, 30));
        return Math.max(10, ThreadLocalRandom.current().nextLong(d + 1));
    }

    private static boolean isSessionLost(SocketClientException e) {
        return (e.status() == 404 && "unknown_session".equals(e.code()))
                || e.status() == 403
                || "invalid_session_id".equals(e.code());
    }

    private static SocketClientException network(String what, Throwable err) {
        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                ? err.getCause()
                : err;
        SocketClientException e = new SocketClientException("network_error", what + " failed: " + cause, 0);
        e.initCause(cause);
        return e;
    }

    private static SocketClientException errorFrom(HttpResponse<String> res, String what) {
        String code = "http_" + res.statusCode();
        String message = what + ": HTTP " + res.statusCode();
        try {
            JsonNode body = MAPPER.readTree(res.body() == null ? "" : res.body());
            if (body != null && body.path("error").isTextual()) {
                code = body.get("error").asText();
                message = what + ": " + body.path("message").asText(code) + " (HTTP " + res.statusCode() + ")";
            }
        } catch (IOException notJson) {
            // not a JSON error body
        }
        SocketClientException e = new SocketClientException(code, message, res.statusCode());
        res.headers().firstValue("Retry-After").ifPresent(v -> {
            try {
                double seconds = Double.parseDouble(v.trim());
                if (seconds > 0) {
                    e.retryAfterMillis = (long) (seconds * 1000);
                }
            } catch (NumberFormatException ignored) {
                // an HTTP date: use the backoff
            }
        });
        return e;
    }
}
