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

    /** The 413 response for a body over {@link #maxPayloadBytes()}. */
    default TransportResponse payloadTooLarge() {
        return TransportResponse.error(
                413, "payload_too_large", "request body exceeds " + maxPayloadBytes() + " bytes");
    }
}
