package io.socketserve.servlet;

import io.socketserve.AdminOptions;
import io.socketserve.SocketServer;
import io.socketserve.servlet.internal.CompleteResponses;
import io.socketserve.servlet.internal.RequestPaths;
import io.socketserve.servlet.internal.ServletStreamSink;
import io.socketserve.servlet.internal.ServletTransportRequest;
import io.socketserve.servlet.internal.StreamWriters;
import io.socketserve.transport.AdminRoutes;
import io.socketserve.transport.Frame;
import io.socketserve.transport.HttpPolicy;
import io.socketserve.transport.Redaction;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.StaticResources;
import io.socketserve.transport.TransportResponse;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link SocketServer} from a Jakarta Servlet 6 container: the protocol of {@code
 * docs/protocol.md} exactly as the embedded Netty server speaks it — {@code POST connect | message |
 * disconnect}, {@code GET sse} (Server-Sent Events with {@code id:} and {@code Last-Event-ID}
 * resume, or long-polling), CORS, the limits and errors of {@code docs/security.md}, gzip for
 * complete answers, and the browser client at {@code /socket-serve.js}.
 *
 * <p><b>Mounting.</b> Register an instance (async-supported) under a path mapping; the protocol's
 * endpoints are below it, whatever {@code ServerOptions.basePath()} says. Map {@code
 * /socket-serve.js} to the same servlet to serve the client. Mapped at {@code /} (the default
 * servlet) it routes like {@code EmbeddedServer}: {@code basePath()} for the protocol, the client
 * at the root. Like {@code EmbeddedServer} it routes the path as sent: one the container normalised
 * to reach it ({@code //socket//connect}, {@code /socket/connect;x=1}) is {@code 404}, and a request
 * line over {@link HttpPolicy#MAX_REQUEST_LINE_BYTES} is {@code 414}. For the errors the container
 * answers itself, see {@code io.socketserve.servlet.tomcat.JsonErrorReportValve} and {@code
 * io.socketserve.servlet.jetty.JsonErrorHandler}.
 *
 * <pre>{@code
 * // Tomcat 11 (embedded)
 * Context ctx = tomcat.addContext("", null);
 * Wrapper w = Tomcat.addServlet(ctx, "socket-serve", new SocketServeServlet(server));
 * w.setAsyncSupported(true);
 * ctx.addServletMappingDecoded("/socket/*", "socket-serve");
 * ctx.addServletMappingDecoded("/socket-serve.js", "socket-serve");
 *
 * // Jetty 12 (ee10)
 * ServletContextHandler ctx = new ServletContextHandler();
 * ServletHolder h = new ServletHolder(new SocketServeServlet(server));
 * h.setAsyncSupported(true);
 * ctx.addServlet(h, "/socket/*");
 * ctx.addServlet(h, "/socket-serve.js");
 * }</pre>
 *
 * <p>In a {@code web.xml} or with {@code @WebServlet}-style registration use the no-argument
 * constructor and put the server in the servlet context attribute {@link #SERVER_ATTRIBUTE}.
 *
 * <p><b>Threads.</b> A stream holds no container thread: it is an {@link AsyncContext} written
 * with non-blocking I/O, its buffer bounded by {@code maxStreamBufferBytes} (a client that does not
 * read is cut off and resumes later). Frames are written by a fixed set of writer threads (one per
 * core, at most 4; init parameter {@code writerThreads}), which coalesce what queued up for a
 * stream into one write and one flush, and by the container's threads when it reports a stream
 * writable again: the thread count does not grow with open streams. A long-poll holds no thread
 * while it waits either. Request bodies are read on the container thread, at most {@code
 * maxPayloadBytes} of them.
 *
 * <p><b>Shutdown.</b> {@link #destroy()} (the container stopping the context) is graceful as far as
 * the container lets it be: requests that still reach the servlet are answered {@code 503} with
 * {@code Retry-After: 1}, each waiting long-poll is answered at once, and each open stream gets the
 * final frame {@code __reconnect} (docs/protocol.md) before it ends, so that clients reconnect at
 * once, elsewhere, and resume; then the writers stop. It does not close the {@code SocketServer}.
 * Tomcat waits up to the context's {@code unloadDelay} (2 s by default) for open async requests —
 * every open stream — before it destroys the servlet; Jetty destroys it at once.
 *
 * <p><b>Stream compression</b> (opt-in, {@link #streamCompression(int)} or the init parameter
 * {@code streamCompression}): event streams are gzip-encoded for clients that send {@code
 * Accept-Encoding: gzip}, each write flushed through the deflater so that nothing is held back. It
 * costs a deflate state (~256 KiB native memory) per compressed stream: leave it off for large
 * fan-out.
 */
public class SocketServeServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(SocketServeServlet.class);

    /** {@value}: the servlet context attribute holding the {@link SocketServer}, for the no-argument constructor. */
    public static final String SERVER_ATTRIBUTE = "io.socketserve.SocketServer";

    private static final TransportResponse REQUEST_TIMEOUT =
            TransportResponse.error(408, "request_timeout", "request body not received in time");

    private transient @Nullable SocketServer server;
    private final boolean serveClient;
    private transient @Nullable State state;
    private int streamCompressionLevel;
    private int writerThreads;
    private final transient Set<ServletStreamSink> streams = ConcurrentHashMap.newKeySet();
    /** Long-polls (and slow answers) waiting for the engine: answered at once by {@link #destroy()}. */
    private final transient Set<PendingAnswer> waiting = ConcurrentHashMap.newKeySet();
    /** Set by {@link #destroy()}: requests still arriving are answered 503. */
    private transient volatile boolean stopping;

    private transient @Nullable AdminOptions adminOptions;
    private transient @Nullable AdminRoutes admin;

    /** What {@link #init()} builds from the server. */
    private record State(
            SocketEndpoint endpoint,
            HttpPolicy http,
            StaticResources statics,
            ScheduledExecutorService timer,
            StreamWriters writers,
            int compression) {}

    /** For containers that instantiate servlets: the server comes from {@link #SERVER_ATTRIBUTE}. */
    public SocketServeServlet() {
        this.server = null;
        this.serveClient = true;
    }

    /** Serves {@code server}, and the browser client at {@code /socket-serve.js} where mapped. */
    public SocketServeServlet(SocketServer server) {
        this(server, true);
    }

    /** Serves {@code server}; the browser client only if {@code serveClient}. */
    public SocketServeServlet(SocketServer server, boolean serveClient) {
        this.server = Objects.requireNonNull(server, "server == null");
        this.serveClient = serveClient;
    }

    /**
     * Gzip-encodes event streams at {@code level} (1..9) for clients that accept it; 0, the default,
     * leaves them plain. Set before the container initialises the servlet; the init parameter {@code
     * streamCompression} does the same.
     *
     * @return this servlet
     */
    public SocketServeServlet streamCompression(int level) {
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("stream compression level must be 0..9: " + level);
        }
        this.streamCompressionLevel = level;
        return this;
    }

    /**
     * The number of threads that write event streams (default: one per core, at most 4). Set before
     * the container initialises the servlet; the init parameter {@code writerThreads} does the same.
     *
     * @return this servlet
     */
    public SocketServeServlet writerThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("writerThreads must be at least 1: " + threads);
        }
        this.writerThreads = threads;
        return this;
    }

    /**
     * Serves the admin page at {@code /admin} (see {@code docs/admin.md}); {@code null}, the default,
     * does not (and {@code /admin} is a 404). Set before the container initialises the servlet, and
     * map {@code /admin/*} and {@code /admin} to this servlet (or map it at {@code /}). Every request
     * there needs the credential of {@code options} (HTTP Basic).
     *
     * @return this servlet
     * @since 0.4
     */
    public SocketServeServlet admin(@Nullable AdminOptions options) {
        this.adminOptions = options;
        return this;
    }

    @Override
    public void init() throws ServletException {
        SocketServer s = server;
        if (s == null) {
            Object attribute = getServletContext().getAttribute(SERVER_ATTRIBUTE);
            if (!(attribute instanceof SocketServer fromContext)) {
                throw new ServletException("no SocketServer in the servlet context attribute " + SERVER_ATTRIBUTE);
            }
            s = fromContext;
            server = s;
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "socket-serve-servlet-heartbeat");
            t.setDaemon(true);
            return t;
        });
        int compression = streamCompressionLevel;
        String level = getInitParameter("streamCompression");
        if (level != null) {
            compression = intParameter("streamCompression", level, 0, 9);
        }
        int threads = writerThreads > 0 ? writerThreads : StreamWriters.defaultThreads();
        String threadsParameter = getInitParameter("writerThreads");
        if (threadsParameter != null) {
            threads = intParameter("writerThreads", threadsParameter, 1, 64);
        }
        // One timer task for every stream: heartbeats and idle probes (no task per stream).
        long keepalive = SocketEndpoint.of(s).keepaliveMillis();
        long probe = probeMillis(s.options());
        long tick = Math.max(25, (keepalive > 0 ? Math.min(keepalive, probe) : probe) / 2);
        timer.scheduleWithFixedDelay(this::tickStreams, tick, tick, java.util.concurrent.TimeUnit.MILLISECONDS);
        AdminOptions adminWith = adminOptions;
        admin = adminWith == null ? null : new AdminRoutes(s, adminWith);
        state = new State(
                SocketEndpoint.of(s),
                new HttpPolicy(s.options()),
                new StaticResources(null, serveClient),
                timer,
                new StreamWriters(threads, "socket-serve-servlet-writer"),
                compression);
    }

    private static int intParameter(String name, String value, int min, int max) throws ServletException {
        try {
            int v = Integer.parseInt(value.trim());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ServletException("init parameter " + name + " must be an integer " + min + ".." + max + ": " + value);
    }

    /**
     * Begins a graceful shutdown and waits up to {@code timeout} for it: requests that still reach
     * the servlet are answered {@code 503} with {@code Retry-After: 1}, each waiting long-poll is
     * answered at once with {@code __reconnect}, each open stream gets {@code __reconnect} and ends.
     * Call it before the container closes its connections where the container does that before it
     * destroys servlets (Jetty: from a {@code LifeCycle.Listener}'s {@code lifeCycleStopping} on the
     * {@code Server}, see docs/deploy.md); {@link #destroy()} does the same without waiting.
     *
     * @return whether every stream ended and every long-poll was answered within {@code timeout}
     */
    public boolean drain(java.time.Duration timeout) {
        Objects.requireNonNull(timeout, "timeout == null");
        beginDrain();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!drained() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(5));
        }
        return drained();
    }

    private boolean drained() {
        return waiting.isEmpty() && streams.stream().allMatch(ServletStreamSink::ended);
    }

    private void beginDrain() {
        stopping = true;
        State st = state;
        if (st != null) {
            Frame last = st.endpoint().shutdownFrame();
            waiting.forEach(w -> w.answer(st.endpoint().shutdownPollAnswer(w.after)));
            streams.forEach(sink -> sink.close(last));
        } else {
            streams.forEach(sink -> sink.close(null));
        }
    }

    @Override
    public void destroy() {
        beginDrain();
        waiting.clear();
        streams.clear();
        AdminRoutes a = admin;
        if (a != null) {
            a.close();
        }
        State st = state;
        if (st != null) {
            st.timer().shutdownNow();
            st.writers().close();
        }
    }

    private void tickStreams() {
        for (ServletStreamSink sink : streams) {
            try {
                sink.tick();
            } catch (RuntimeException e) {
                log.warn("stream heartbeat failed", e);
            }
        }
    }

    /** Event streams open now. */
    public int openStreams() {
        return streams.size();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
        State st = state;
        if (st == null) {
            throw new IllegalStateException("servlet not initialised");
        }
        if (requestLineLength(req) > HttpPolicy.MAX_REQUEST_LINE_BYTES) {
            // The embedded server's limit, whatever the container's header size allows.
            CompleteResponses.write(req, res, HttpPolicy.uriTooLong(), null, true);
            return;
        }
        String sent = RequestPaths.asSent(req);
        if (sent == null) {
            CompleteResponses.write(
                    req, res, HttpPolicy.badRequest("malformed percent-encoding in the request URI"), null, true);
            return;
        }
        AdminRoutes a = admin;
        if (a != null && sent.equals(fullPath(req)) && AdminRoutes.isAdminPath(sent)) {
            // Before CORS preflights and the protocol, as on the embedded server (docs/admin.md).
            serveAdmin(req, res, a, sent);
            return;
        }
        Map<String, String> cors = st.http().cors(req.getHeader("Origin"));
        if (req.getMethod().equals("OPTIONS")) {
            CompleteResponses.write(req, res, st.http().preflight(cors), null, false);
            return;
        }
        String path = fullPath(req);
        if (!sent.equals(path)) {
            // The container normalised the path it mapped (merged slashes, dot-segments, path
            // parameters); the embedded server routes the path as sent, and finds nothing there.
            CompleteResponses.write(req, res, HttpPolicy.notFound(sent), null, false);
            return;
        }
        String relative = protocolPath(req, st.http(), path);
        if (relative != null && stopping) {
            CompleteResponses.write(req, res, SocketEndpoint.shuttingDown(), cors, true);
            return;
        }
        if (relative != null) {
            serveProtocol(req, res, st, relative, cors);
            return;
        }
        boolean head = req.getMethod().equals("HEAD");
        if (head || req.getMethod().equals("GET")) {
            StaticResources.Resource file = st.statics().find(path);
            if (file != null) {
                CompleteResponses.write(req, res, HttpPolicy.staticFile(file, head), null, false);
                return;
            }
        }
        CompleteResponses.write(req, res, HttpPolicy.notFound(path), null, false);
    }

    /** Length of the request line: method, target (path and query as sent) and protocol. */
    private static int requestLineLength(HttpServletRequest req) {
        String query = req.getQueryString();
        return req.getMethod().length()
                + 1
                + req.getRequestURI().length()
                + (query == null ? 0 : 1 + query.length())
                + 1
                + req.getProtocol().length();
    }

    /** The request path below the context path. */
    private static String fullPath(HttpServletRequest req) {
        String info = req.getPathInfo();
        return req.getServletPath() + (info == null ? "" : info);
    }

    /**
     * The protocol path: below the mount point for a path mapping ({@code /socket/*}); for the
     * default or root mapping, below {@code basePath()} as {@code EmbeddedServer} routes; none for
     * an exact mapping ({@code /socket-serve.js}).
     */
    private static @Nullable String protocolPath(HttpServletRequest req, HttpPolicy http, String path) {
        HttpServletMapping mapping = req.getHttpServletMapping();
        MappingMatch match = mapping == null ? null : mapping.getMappingMatch();
        if (match == MappingMatch.PATH) {
            String info = req.getPathInfo();
            return info == null || info.isEmpty() ? "/" : info;
        }
        if (match == MappingMatch.EXACT || match == MappingMatch.EXTENSION) {
            return null;
        }
        return http.relativePath(path);
    }

    private void serveProtocol(
            HttpServletRequest req,
            HttpServletResponse res,
            State st,
            String relative,
            @Nullable Map<String, String> cors)
            throws IOException {
        SocketEndpoint endpoint = st.endpoint();
        byte[] body;
        try {
            body = readBody(req, endpoint.maxPayloadBytes());
        } catch (IOException e) {
            if (!timedOut(e)) {
                throw e; // the container answers what it found wrong with the body (broken chunks: 400)
            }
            // The body did not arrive within the container's read timeout (a slow or stalled client):
            // a 4xx and the connection closed, where the embedded server closes it at its request timeout.
            answerGone(req, res, REQUEST_TIMEOUT);
            return;
        }
        if (body == null) {
            // Not read to its end: the connection closes after the answer.
            CompleteResponses.write(req, res, endpoint.payloadTooLarge(), null, true);
            return;
        }
        ServletTransportRequest r;
        try {
            r = ServletTransportRequest.of(req, relative, body);
        } catch (IllegalArgumentException malformed) {
            CompleteResponses.write(
                    req, res, HttpPolicy.badRequest("malformed percent-encoding in the request URI"), null, true);
            return;
        }
        if (endpoint.isStream(r)) {
            AsyncContext async = req.startAsync();
            ServletStreamSink sink = new ServletStreamSink(
                    async,
                    res,
                    server().options().maxStreamBufferBytes(),
                    endpoint.keepaliveMillis(),
                    probeMillis(server().options()),
                    "1".equals(r.query("ping")),
                    cors,
                    st.writers(),
                    st.compression() > 0 && HttpPolicy.acceptsGzip(req.getHeader("Accept-Encoding"))
                            ? st.compression()
                            : 0);
            streams.add(sink);
            AdminRoutes a = admin;
            java.util.concurrent.atomic.AtomicReference<Runnable> adminClose =
                    new java.util.concurrent.atomic.AtomicReference<>();
            sink.onClose(() -> {
                streams.remove(sink);
                Runnable closed = adminClose.getAndSet(null);
                if (closed != null) {
                    closed.run();
                }
            });
            endpoint.openStream(r, sink).whenComplete((error, failure) -> {
                if (failure == null && error == null && a != null) {
                    adminClose.set(a.streamOpened(r));
                    if (sink.ended()) { // closed already: nobody else will run it
                        Runnable closed = adminClose.getAndSet(null);
                        if (closed != null) {
                            closed.run();
                        }
                    }
                }
                if (failure != null) {
                    log.error("stream open failed", failure);
                    streams.remove(sink);
                    sink.reject(HttpPolicy.internalError());
                } else if (error != null) {
                    streams.remove(sink);
                    sink.reject(error);
                }
            });
            return;
        }
        CompletionStage<TransportResponse> answer = endpoint.handle(r);
        AdminRoutes a = admin;
        if (a != null) {
            answer = answer.whenComplete((response, failure) -> {
                if (failure == null) {
                    a.answered(r, response);
                }
            });
        }
        CompletableFuture<TransportResponse> f = answer.toCompletableFuture();
        if (f.isDone()) {
            CompleteResponses.write(
                    req, res, f.exceptionally(t -> HttpPolicy.internalError()).join(), cors, false);
            return;
        }
        // A long-poll (or a slow backend): no container thread waits for the answer.
        AsyncContext async = req.startAsync();
        async.setTimeout(0); // the engine bounds the wait (longPollMaxWait)
        async.addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {}

            @Override
            public void onTimeout(AsyncEvent event) {
                event.getAsyncContext().complete();
            }

            @Override
            public void onError(AsyncEvent event) {
                event.getAsyncContext().complete();
            }

            @Override
            public void onStartAsync(AsyncEvent event) {}
        });
        PendingAnswer pending = new PendingAnswer(req, res, async, cors, r.query("after"));
        waiting.add(pending);
        if (stopping) {
            pending.answer(st.endpoint().shutdownPollAnswer(pending.after)); // destroy() may have missed it
        }
        f.whenComplete((response, failure) -> pending.answer(failure == null ? response : HttpPolicy.internalError()));
    }

    private void serveAdmin(HttpServletRequest req, HttpServletResponse res, AdminRoutes a, String path)
            throws IOException {
        byte[] body = readBody(req, AdminRoutes.MAX_BODY_BYTES);
        if (body == null) {
            CompleteResponses.write(
                    req,
                    res,
                    TransportResponse.error(
                            413,
                            "payload_too_large",
                            "an action body has at most " + AdminRoutes.MAX_BODY_BYTES + " bytes"),
                    null,
                    true);
            return;
        }
        ServletTransportRequest r;
        try {
            r = ServletTransportRequest.of(req, path, body);
        } catch (IllegalArgumentException malformed) {
            CompleteResponses.write(
                    req, res, HttpPolicy.badRequest("malformed percent-encoding in the request URI"), null, true);
            return;
        }
        CompletableFuture<TransportResponse> f = a.handle(r).toCompletableFuture();
        if (f.isDone()) {
            CompleteResponses.write(
                    req, res, f.exceptionally(t -> HttpPolicy.internalError()).join(), null, false);
            return;
        }
        AsyncContext async = req.startAsync();
        async.setTimeout(0); // the admin threads bound the work (backend timeout)
        PendingAnswer pending = new PendingAnswer(req, res, async, null, null);
        waiting.add(pending);
        f.whenComplete((response, failure) -> pending.answer(failure == null ? response : HttpPolicy.internalError()));
    }

    /** A request answered asynchronously: by the engine, or by {@link #destroy()}, whichever is first. */
    private final class PendingAnswer {
        private final HttpServletRequest req;
        private final HttpServletResponse res;
        private final AsyncContext async;
        private final @Nullable Map<String, String> cors;
        private final @Nullable String after;
        private final java.util.concurrent.atomic.AtomicBoolean answered =
                new java.util.concurrent.atomic.AtomicBoolean();

        PendingAnswer(
                HttpServletRequest req,
                HttpServletResponse res,
                AsyncContext async,
                @Nullable Map<String, String> cors,
                @Nullable String after) {
            this.after = after;
            this.req = req;
            this.res = res;
            this.async = async;
            this.cors = cors;
        }

        void answer(TransportResponse response) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            waiting.remove(this);
            Runnable write = () -> {
                try {
                    CompleteResponses.write(req, res, response, cors, stopping);
                } catch (IOException | RuntimeException e) {
                    if (log.isDebugEnabled()) {
                        log.debug("answer not written: {}", Redaction.redact(e.toString()));
                    }
                } finally {
                    try {
                        async.complete();
                    } catch (IllegalStateException alreadyOver) {
                        // the container ended it (client gone)
                    }
                }
            };
            if (stopping) {
                write.run(); // the container may no longer run tasks for a context that stops
            } else {
                async.start(write);
            }
        }
    }

    /**
     * How long a stream may be idle before it is probed for a vanished client: {@value
     * #MAX_PROBE_MILLIS} ms, or half the presence heartbeat when that is shorter (a tracked user who
     * went away should lapse within about a heartbeat, as on the embedded server, which sees the
     * connection close at once).
     */
    static long probeMillis(io.socketserve.ServerOptions options) {
        return Math.max(
                50, Math.min(MAX_PROBE_MILLIS, options.presenceHeartbeat().toMillis() / 2));
    }

    /** The longest a stream stays unprobed while idle: a vanished client is noticed within twice this. */
    static final long MAX_PROBE_MILLIS = 2_500;

    private SocketServer server() {
        SocketServer s = server;
        if (s == null) {
            throw new IllegalStateException("servlet not initialised");
        }
        return s;
    }

    /** Whether reading failed because the client sent nothing for the container's read timeout. */
    private static boolean timedOut(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Writes {@code r} and closes, on a connection that may already be broken. */
    private static void answerGone(HttpServletRequest req, HttpServletResponse res, TransportResponse r) {
        try {
            CompleteResponses.write(req, res, r, null, true);
        } catch (IOException | IllegalStateException e) {
            if (log.isDebugEnabled()) {
                log.debug("answer not written: {}", Redaction.redact(e.toString()));
            }
        }
    }

    /** The body, or {@code null} when it is larger than {@code max} (declared or actual). */
    private static byte @Nullable [] readBody(HttpServletRequest req, int max) throws IOException {
        long declared = req.getContentLengthLong();
        if (declared > max) {
            return null;
        }
        try (InputStream in = req.getInputStream()) {
            byte[] body = in.readNBytes(max + 1);
            return body.length > max ? null : body;
        }
    }
}
