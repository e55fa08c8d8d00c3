package io.socketserve.transport;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The protocol of {@code docs/protocol.md}, independent of any HTTP library: a transport strips the
 * base path, enforces the body size limit, and hands each request here.
 *
 * <pre>{@code
 * if (endpoint.isStream(request)) {
 *     endpoint.openStream(request, sink).thenAccept(error -> { if (error != null) write(error); });
 * } else {
 *     endpoint.handle(request).thenAccept(this::write);
 * }
 * }</pre>
 *
 * <p>Stages may complete on any thread. No request makes them complete exceptionally: every failure
 * becomes an error response.
 */
public interface SocketEndpoint {

    /**
     * The endpoint of a server created by {@link io.socketserve.SocketServer#create}: what a
     * transport (the embedded Netty server, the Servlet transport) serves.
     *
     * @throws IllegalArgumentException for a {@code SocketServer} that is not socket-serve's own
     * @since 0.2
     */
    static SocketEndpoint of(io.socketserve.SocketServer server) {
        java.util.Objects.requireNonNull(server, "server == null");
        if (server instanceof EndpointProvider p) {
            return p.endpoint();
        }
        throw new IllegalArgumentException("not a server made by SocketServer.create: " + server.getClass());
    }

    /**
     * Warms the application backend's client before the instance reports ready (issue 16), with
     * {@code rounds} pairs of reads that change nothing: the record and the membership of sessions
     * that do not exist. A transport's warm-up calls it after its in-process requests, which ran
     * against a throwaway in-memory server. Stops early at the first failure (the server works
     * without it) or when {@code stop} says so; returns the pairs done. Blocks.
     *
     * @throws InterruptedException if interrupted while waiting for the backend
     */
    default int warmUpBackend(int rounds, java.time.Duration timeout, java.util.function.BooleanSupplier stop)
            throws InterruptedException {
        return 0;
    }

    /** Whether the request opens a Server-Sent Events stream ({@code GET /sse} without polling). */
    boolean isStream(TransportRequest request);

    /** Answers a non-streaming request. */
    CompletionStage<TransportResponse> handle(TransportRequest request);

    /**
     * Opens a stream: completes with {@code null} once {@link StreamSink#open} has been called, or
     * with an error response (and the sink untouched).
     */
    CompletionStage<@Nullable TransportResponse> openStream(TransportRequest request, StreamSink sink);

    /** The keepalive comment period in milliseconds. */
    long keepaliveMillis();

    /** Largest request body the transport should accept (bigger: answer {@link #payloadTooLarge()}). */
    int maxPayloadBytes();

    /** The base path the endpoints live under. */
    String basePath();

    /**
     * The last frame a graceful shutdown writes on each open stream before ending it ({@code
     * docs/protocol.md}, v1): {@code {"event":"__reconnect","data":{"reason":"server shutting
     * down"}}} (with {@code retry: 100}). The client reconnects at once — to another instance — and
     * resumes from its last position; where the session did not outlive the instance (the in-memory
     * backend) it learns that from the resume ({@code 404 unknown_session}).
     *
     * @since 0.3
     */
    Frame shutdownFrame();

    /**
     * The answer to a long-poll that is still waiting when a graceful shutdown begins: {@code 200}
     * with {@link #shutdownFrame()} as its only message, so that the client polls again at once,
     * elsewhere. Its {@code position} is the poll's own {@code after} (nothing was delivered), or
     * absent when the poll had none (or not a plain number): the client's position stays valid.
     *
     * @param after the poll's {@code after} parameter, or {@code null}
     * @since 0.3
     */
    default TransportResponse shutdownPollAnswer(@Nullable String after) {
        java.nio.ByteBuffer frame = shutdownFrame().json();
        String position = after != null
                        && !after.isEmpty()
                        && after.length() < 20
                        && after.chars().allMatch(Character::isDigit)
                ? ",\"position\":" + after
                : "";
        byte[] head = "{\"messages\":[".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] tail = ("]" + position + "}").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] body = new byte[head.length + frame.remaining() + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        int n = frame.remaining();
        frame.get(body, head.length, n);
        System.arraycopy(tail, 0, body, head.length + n, tail.length);
        return TransportResponse.json(200, body);
    }

    /**
     * The answer to a request that arrives while a graceful shutdown is under way: {@code 503}
     * {@code {"error":"unavailable","message":"the server is shutting down"}} with {@code
     * Retry-After: 1}.
     *
     * @since 0.3
     */
    static TransportResponse shuttingDown() {
        return TransportResponse.error(503, "unavailable", "the server is shutting down")
                .withHeader("Retry-After", "1");
    }

    /** The 413 response for a body over {@link #maxPayloadBytes()}. */
    default TransportResponse payloadTooLarge() {
        return TransportResponse.error(
                413, "payload_too_large", "request body exceeds " + maxPayloadBytes() + " bytes");
    }
}
