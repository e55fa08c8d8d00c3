package io.socketserve.netty.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.concurrent.ScheduledFuture;
import io.socketserve.ServerOptions;
import io.socketserve.transport.AdminRoutes;
import io.socketserve.transport.HttpPolicy;
import io.socketserve.transport.Redaction;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.StaticResources;
import io.socketserve.transport.TransportResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each complete request: the protocol endpoints under the base path go to the engine, other
 * GETs to static files. A connection must deliver each request within {@code requestTimeoutMillis}
 * (slow-request guard); an open stream is exempt.
 *
 * <p>Pipelined requests are answered strictly in request order. One request at a time per
 * connection: a request that arrives while an earlier one is unanswered (pipelining: the codec
 * decodes every request of a read at once, whatever auto-read says) waits in a queue, and reading
 * pauses until the queue is empty again, so the queue holds only what had been read by then. The
 * next request is handled only once the answer before it has been written to the connection (its
 * writes leave in the order they were made). An
 * answer that ends the connection ({@code Connection: close}, HTTP/1.0, an error) drops whatever is
 * queued behind it unanswered; a stream request is opened only after every answer before it, and
 * nothing after it is handled on that connection. Non-pipelined traffic never touches the queue
 * (it is allocated on the first pipelined request of a connection).
 *
 * <p>While the server drains ({@link Drain}), answers close their connection; a request under the
 * base path that arrives then (and was not in progress) is answered {@code 503} with {@code
 * Retry-After}; a stream ends with the endpoint's {@link SocketEndpoint#shutdownFrame()} and the last
 * chunk; a waiting long-poll is answered at once with that frame.
 */
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

    private final SocketEndpoint endpoint;
    private final ServerOptions options;
    private final int streamCompressionLevel;
    private final StaticResources statics;
    private final @Nullable HealthRoutes health;
    private final @Nullable AdminRoutes admin;
    private final HttpPolicy http;
    private final LoopWriter writer;
    private final int requestTimeoutMillis;
    private final Drain drain;
    private @Nullable ScheduledFuture<?> requestTimer;
    private @Nullable ChannelHandlerContext context;
    // event loop only: the stream this connection carries (or is opening)
    private @Nullable NettyStreamSink stream;
    // event loop only: the request in progress is a long-poll (it may wait for a message)
    private boolean longPoll;
    // event loop only: the CORS headers of the request in progress (for an answer the drain writes)
    private @Nullable Map<String, String> requestCors;
    // event loop only: the {@code after} of the long-poll in progress (its answer if the drain ends it)
    private @Nullable String longPollAfter;
    // event loop only: whether this handler turned auto-read off for the request in progress
    private boolean readingPaused;
    // event loop only: a request was handed to the endpoint and its answer is not written yet
    private boolean awaitingAnswer;
    // event loop only: the connection is closing after an answer; nothing more is handled on it
    private boolean closing;
    // event loop only: handlePending is running (an answer written inside it must not recurse)
    private boolean dispatching;
    // event loop only: pipelined requests waiting for the answers before them (retained), or null
    private @Nullable ArrayDeque<FullHttpRequest> pending;

    RequestHandler(
            SocketEndpoint endpoint,
            ServerOptions options,
            StaticResources statics,
            LoopWriter writer,
            int requestTimeoutMillis,
            int streamCompressionLevel,
            Drain drain,
            @Nullable HealthRoutes health,
            @Nullable AdminRoutes admin) {
        this.health = health;
        this.admin = admin;
        this.drain = drain;
        this.streamCompressionLevel = streamCompressionLevel;
        this.endpoint = endpoint;
        this.options = options;
        this.statics = statics;
        this.http = new HttpPolicy(options);
        this.writer = writer;
        this.requestTimeoutMillis = requestTimeoutMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.context = ctx;
    }

    /**
     * Begins draining this connection (event loop): ends its stream with the shutdown frame and the
     * last chunk (the client reconnects at once, elsewhere, and resumes from its position); or
     * answers its long-poll at once with that frame (it may otherwise wait for up to {@code
     * longPollMaxWait}); or lets the request in progress finish (its answer closes the connection);
     * or closes it when idle.
     */
    void drain() {
        ChannelHandlerContext ctx = context;
        if (stream != null) {
            stream.close(endpoint.shutdownFrame());
        } else if (awaitingAnswer && longPoll && ctx != null) {
            reply(ctx, endpoint.shutdownPollAnswer(longPollAfter), false, requestCors);
        } else if (!awaitingAnswer && ctx != null) {
            closing = true;
            releasePending();
            ctx.close();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        armRequestTimer(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelRequestTimer();
        releasePending();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePending();
    }

    private void pauseReading(ChannelHandlerContext ctx) {
        readingPaused = true;
        ctx.channel().config().setAutoRead(false);
    }

    private void armRequestTimer(ChannelHandlerContext ctx) {
        cancelRequestTimer();
        requestTimer = ctx.executor()
                .schedule(
                        () -> {
                            // Slowloris guard: a request that has not fully arrived in time.
                            ctx.close();
                        },
                        requestTimeoutMillis,
                        TimeUnit.MILLISECONDS);
    }

    private void cancelRequestTimer() {
        if (requestTimer != null) {
            requestTimer.cancel(false);
            requestTimer = null;
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (closing) {
            return; // after an answer that closes the connection nothing more is answered
        }
        if (awaitingAnswer || stream != null || dispatching || (pending != null && !pending.isEmpty())) {
            // Pipelined behind an unanswered request: it waits its turn (answers go out in request
            // order), and nothing more is read until the queue is empty.
            ArrayDeque<FullHttpRequest> queue = pending;
            if (queue == null) {
                queue = new ArrayDeque<>(4);
                pending = queue;
            }
            queue.add(request.retain());
            if (!readingPaused) {
                pauseReading(ctx);
            }
            return;
        }
        handle(ctx, request);
    }

    /** Handles the pipelined requests that waited, in order, until one of them has to wait. */
    private void handlePending(ChannelHandlerContext ctx) {
        ArrayDeque<FullHttpRequest> queue = pending;
        if (dispatching || queue == null) {
            return;
        }
        dispatching = true;
        try {
            FullHttpRequest next;
            while (!awaitingAnswer && stream == null && !closing && (next = queue.poll()) != null) {
                try {
                    handle(ctx, next);
                } finally {
                    next.release();
                }
            }
        } finally {
            dispatching = false;
        }
    }

    private void releasePending() {
        ArrayDeque<FullHttpRequest> queue = pending;
        if (queue != null) {
            FullHttpRequest r;
            while ((r = queue.poll()) != null) {
                r.release();
            }
        }
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        cancelRequestTimer();
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            Throwable cause = decoded.cause();
            TransportResponse error = cause instanceof JsonErrorAggregator.PayloadTooLarge
                            || cause instanceof Unserved u && u.tooLarge
                    ? endpoint.payloadTooLarge()
                    : cause instanceof Unserved
                            ? TransportResponse.error(
                                            503,
                                            "unavailable",
                                            "the server could not serve this request right now; retry later")
                                    .withHeader("Retry-After", "1")
                            : cause instanceof TooLongHttpLineException
                                    ? HttpPolicy.uriTooLong()
                                    : cause instanceof TooLongHttpHeaderException
                                                    || cause instanceof TooLongFrameException
                                            ? TransportResponse.error(
                                                    431, "headers_too_large", "request headers too large")
                                            : TransportResponse.error(400, "bad_request", "malformed HTTP request");
            reply(ctx, error, false, null);
            return;
        }
        if (request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
                && request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            // RFC 9112 §6.1: a message with both is a smuggling attempt; answer and close.
            reply(
                    ctx,
                    TransportResponse.error(400, "bad_request", "both Content-Length and Transfer-Encoding"),
                    false,
                    null);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        String path;
        try {
            path = query.path();
            query.parameters(); // decode now: a malformed escape is the client's error, not ours
        } catch (IllegalArgumentException malformed) {
            reply(
                    ctx,
                    TransportResponse.error(400, "bad_request", "malformed percent-encoding in the request URI"),
                    false,
                    null);
            return;
        }
        if (admin != null && AdminRoutes.isAdminPath(path)) {
            // Before CORS preflights and the protocol: the admin page answers everything under
            // /admin itself, every request authenticated first (docs/admin.md).
            CompletionStage<TransportResponse> answer = admin.handle(
                    new NettyRequest(request, path, query, remote(ctx.channel().remoteAddress())));
            awaitingAnswer = true;
            answer.whenComplete((response, failure) ->
                    reply(ctx, failure == null ? response : HttpPolicy.internalError(), keepAlive, null));
            if (awaitingAnswer) {
                pauseReading(ctx);
            }
            return;
        }
        Map<String, String> corsHeaders = http.cors(request.headers().get(HttpHeaderNames.ORIGIN));
        String relative = http.relativePath(path);

        if (request.method().equals(HttpMethod.OPTIONS)) {
            reply(ctx, http.preflight(corsHeaders), keepAlive, null);
            return;
        }
        if (relative != null) {
            NettyRequest r = new NettyRequest(
                    request, relative, query, remote(ctx.channel().remoteAddress()));
            if (drain.draining()) {
                // Arrived during a graceful shutdown: the client (or proxy) retries elsewhere.
                reply(ctx, SocketEndpoint.shuttingDown(), keepAlive, corsHeaders);
                return;
            }
            if (endpoint.isStream(r)) {
                // The connection carries the stream from now on: no further request is read on it.
                pauseReading(ctx);
                NettyStreamSink sink = new NettyStreamSink(
                        ctx.channel(),
                        writer,
                        endpoint.keepaliveMillis(),
                        options.maxStreamBufferBytes(),
                        corsHeaders,
                        "1".equals(r.query("ping")),
                        streamCompressionLevel > 0
                                        && HttpPolicy.acceptsGzip(
                                                request.headers().get(HttpHeaderNames.ACCEPT_ENCODING))
                                ? streamCompressionLevel
                                : 0);
                stream = sink;
                endpoint.openStream(r, sink).whenComplete((error, failure) -> {
                    if (failure == null && error == null) {
                        drain.streamOpened(ctx.channel());
                        if (admin != null) {
                            Runnable closed = admin.streamOpened(r);
                            ctx.channel().closeFuture().addListener(f -> closed.run());
                        }
                        // Nothing after a stream request is answered: hold none of it for the
                        // stream's lifetime.
                        onLoop(ctx, this::releasePending);
                        return;
                    }
                    if (failure != null) {
                        log.error("stream open failed", failure);
                    }
                    TransportResponse answer = failure != null ? HttpPolicy.internalError() : error;
                    boolean open = failure == null && keepAlive;
                    // No stream after all: the connection answers, and goes on with the next request.
                    onLoop(ctx, () -> {
                        stream = null;
                        reply(ctx, answer, open, corsHeaders);
                    });
                });
            } else {
                longPoll = isLongPoll(r);
                requestCors = corsHeaders;
                longPollAfter = longPoll ? r.query("after") : null;
                CompletionStage<TransportResponse> answer = endpoint.handle(r);
                awaitingAnswer = true;
                answer.whenComplete((response, failure) -> {
                    if (admin != null && failure == null) {
                        admin.answered(r, response);
                    }
                    reply(ctx, failure == null ? response : HttpPolicy.internalError(), keepAlive, corsHeaders);
                });
                if (awaitingAnswer) {
                    // One request at a time per connection: read nothing more until this one is
                    // answered. An answer ready at once (connect with the in-memory backend, most
                    // errors) was written above and needs no pause: with epoll each pause and each
                    // resume is an epoll_ctl call.
                    pauseReading(ctx);
                }
            }
            return;
        }
        if (health != null
                && health.answers(path)
                && (request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD))) {
            CompletionStage<TransportResponse> answer = health.answer(path);
            awaitingAnswer = true;
            answer.whenComplete((response, failure) ->
                    reply(ctx, failure == null ? response : HttpPolicy.internalError(), keepAlive, null));
            if (awaitingAnswer) {
                pauseReading(ctx);
            }
            return;
        }
        if (request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD)) {
            StaticResources.Resource file = statics.find(path);
            if (file != null) {
                reply(ctx, HttpPolicy.staticFile(file, request.method().equals(HttpMethod.HEAD)), keepAlive, null);
                return;
            }
        }
        reply(ctx, HttpPolicy.notFound(path), keepAlive, null);
    }

    private void reply(
            ChannelHandlerContext ctx,
            TransportResponse response,
            boolean keepAlive,
            @Nullable Map<String, String> cors) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> reply(ctx, response, keepAlive, cors));
            return;
        }
        awaitingAnswer = false;
        longPoll = false;
        requestCors = null;
        longPollAfter = null;
        if (closing) {
            return; // an earlier answer closed the connection
        }
        // While draining, a proxy must send nothing more on this connection; requests it pipelined
        // already are answered (503) before it closes.
        boolean open = keepAlive && (!drain.draining() || (pending != null && !pending.isEmpty()));
        FullHttpResponse res = Responses.full(response, open, cors);
        if (!open) {
            // Everything before this request has been answered; nothing after it will be.
            closing = true;
            releasePending();
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(res);
        armRequestTimer(ctx);
        // The next pipelined request goes after this answer (writes leave in the order made).
        handlePending(ctx);
        if (readingPaused
                && !dispatching
                && !awaitingAnswer
                && stream == null
                && !closing
                && (pending == null || pending.isEmpty())) {
            readingPaused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    private static void onLoop(ChannelHandlerContext ctx, Runnable task) {
        if (ctx.executor().inEventLoop()) {
            task.run();
        } else {
            ctx.executor().execute(task);
        }
    }

    private static boolean isLongPoll(NettyRequest r) {
        return HttpPolicy.isLongPoll(r);
    }

    private static String remote(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() == null
                    ? inet.getHostString()
                    : inet.getAddress().getHostAddress();
        }
        return String.valueOf(address);
    }

    /**
     * A failure in the pipeline (issue 13: a large POST the heap could not hold was closed without an
     * answer and without a log line above DEBUG). The peer going away (an {@link IOException}) is
     * not the server's failure: DEBUG, close. Anything else means a request this connection carried
     * could not be served: it is answered in request order, like any other, {@code 413} if it was
     * too large, else {@code 503 unavailable} with {@code Retry-After}, the connection closes after
     * the answer, and the cause is logged at WARN, at most once per {@link #FAILURE_LOG_INTERVAL}
     * for the whole server (a flood of them writes one line with a count). A connection carrying a
     * stream cannot take an answer any more: it is closed (the client resumes).
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || closing || !ctx.channel().isActive()) {
            if (log.isDebugEnabled()) {
                log.debug("connection error: {}", Redaction.redact(cause.toString()));
            }
            ctx.close();
            return;
        }
        boolean tooLarge = cause instanceof TooLongFrameException;
        FAILURES.warn(
                "a request could not be served and is answered {} ({}); closing its connection",
                tooLarge ? 413 : 503,
                cause);
        if (stream != null) {
            ctx.close();
            return;
        }
        // Answered in its turn by handle(), as the aggregator does for an oversized body.
        DefaultFullHttpRequest marker =
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/", Unpooled.EMPTY_BUFFER);
        marker.setDecoderResult(DecoderResult.failure(new Unserved(tooLarge)));
        try {
            channelRead0(ctx, marker);
        } finally {
            marker.release();
        }
    }

    /** How often {@link #exceptionCaught} writes a WARN at most. */
    static final java.time.Duration FAILURE_LOG_INTERVAL = java.time.Duration.ofSeconds(10);

    static final FailureLog FAILURES = new FailureLog(FAILURE_LOG_INTERVAL.toNanos());

    /** The decoder result standing for a request the pipeline failed on. */
    static final class Unserved extends RuntimeException {
        private static final long serialVersionUID = 1L;

        final boolean tooLarge;

        Unserved(boolean tooLarge) {
            super("request not served", null, false, false);
            this.tooLarge = tooLarge;
        }
    }

    /** A WARN written at most once per interval; the ones in between are counted into the next. */
    static final class FailureLog {
        private final long intervalNanos;
        private final AtomicLong nextDue = new AtomicLong(System.nanoTime());
        private final AtomicLong suppressed = new AtomicLong();

        FailureLog(long intervalNanos) {
            this.intervalNanos = intervalNanos;
        }

        /** The next failure is logged whenever it comes (tests). */
        void reset() {
            nextDue.set(System.nanoTime());
            suppressed.set(0);
        }

        void warn(String message, int status, Throwable cause) {
            long now = System.nanoTime();
            long due = nextDue.get();
            if (now - due < 0 || !nextDue.compareAndSet(due, now + intervalNanos)) {
                suppressed.incrementAndGet();
                return;
            }
            long before = suppressed.getAndSet(0);
            String more = before == 0 ? "" : " (" + before + " more like it not logged since the last)";
            log.warn(message + more, status, Redaction.redact(cause.toString()), cause);
        }
    }
}
