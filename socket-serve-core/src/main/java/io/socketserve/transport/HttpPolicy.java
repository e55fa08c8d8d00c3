package io.socketserve.transport;

import io.socketserve.ServerOptions;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP behaviour every transport shares, whatever its HTTP library: which paths belong to the
 * protocol, CORS decisions, the headers of complete answers and of streams, when a complete answer
 * is gzipped, and the answers that do not come from the engine (preflight, 404, static files). A
 * transport asks this class and maps the result onto its own request and response types, so that
 * the embedded Netty server and the Servlet transport cannot drift apart ({@code docs/architecture.md},
 * "one protocol, every transport").
 *
 * <pre>{@code
 * HttpPolicy http = new HttpPolicy(server.options());
 * Map<String, String> cors = http.cors(request.header("Origin"));
 * if (method.equals("OPTIONS")) {
 *     write(http.preflight(cors), cors);
 * } else if (http.relativePath(path) != null) {
 *     ... hand the request to the SocketEndpoint ...
 * }
 * }</pre>
 *
 * @since 0.2
 */
public final class HttpPolicy {

    /** {@value}: the protocol version header on every answer. */
    public static final String PROTOCOL_HEADER = "X-Socket-Serve-Protocol";

    /** {@value} bytes: complete answers at least this long are gzipped for clients that accept it. */
    public static final int GZIP_THRESHOLD = 1024;

    /**
     * {@value} bytes: the longest request line (method, target and version) a transport accepts;
     * a longer one is {@link #uriTooLong()}.
     */
    public static final int MAX_REQUEST_LINE_BYTES = 8192;

    /** {@value}: the content type of an event stream. */
    public static final String EVENT_STREAM = "text/event-stream; charset=utf-8";

    private static final byte[] KEEPALIVE = ": keepalive\n\n".getBytes(StandardCharsets.US_ASCII);
    /** For clients that asked for visible heartbeats ({@code ping=1}): browsers hide comments. */
    private static final byte[] PING = "data: {\"event\":\"__ping\"}\n\n".getBytes(StandardCharsets.US_ASCII);

    private final String basePath;
    private final CorsPolicy cors;

    /** The policy for a server's options (base path, allowed origins). */
    public HttpPolicy(ServerOptions options) {
        Objects.requireNonNull(options, "options == null");
        this.basePath = options.basePath();
        this.cors = new CorsPolicy(options.allowedOrigins());
    }

    /**
     * The path below the base path ({@code /} for the base path itself), or {@code null} when
     * {@code path} is not under it.
     */
    public @Nullable String relativePath(String path) {
        if (path.equals(basePath) || path.startsWith(basePath + "/")) {
            String relative = path.substring(basePath.length());
            return relative.isEmpty() ? "/" : relative;
        }
        return null;
    }

    /** CORS headers for a request from {@code origin}, or {@code null} (no CORS headers at all). */
    public @Nullable Map<String, String> cors(@Nullable String origin) {
        return cors.headersFor(origin);
    }

    /**
     * The answer to an {@code OPTIONS} request: {@code 204} with the preflight headers for an allowed
     * origin, {@code 403 origin_not_allowed} otherwise.
     *
     * @param corsHeaders what {@link #cors} returned for the request
     */
    public TransportResponse preflight(@Nullable Map<String, String> corsHeaders) {
        return corsHeaders == null
                ? TransportResponse.error(
                        403, "origin_not_allowed", "cross-origin requests from this origin are not allowed")
                : new TransportResponse(204, TransportResponse.JSON, new byte[0], cors.preflight(corsHeaders));
    }

    /** {@code 404 not_found} for a path that is neither the protocol's nor a static file. */
    public static TransportResponse notFound(String path) {
        return TransportResponse.error(404, "not_found", "nothing at " + path);
    }

    /** {@code 400 bad_request} with a message. */
    public static TransportResponse badRequest(String message) {
        return TransportResponse.error(400, "bad_request", message);
    }

    /** {@code 414 uri_too_long}, for a request line over {@link #MAX_REQUEST_LINE_BYTES}. */
    public static TransportResponse uriTooLong() {
        return TransportResponse.error(414, "uri_too_long", "request line too long");
    }

    /** {@code 500 internal_error}, for a failure that is the server's, not the request's. */
    public static TransportResponse internalError() {
        return TransportResponse.error(500, "internal_error", "unexpected server error");
    }

    /** The answer for a static file ({@code HEAD}: the same headers, no body). */
    public static TransportResponse staticFile(StaticResources.Resource file, boolean head) {
        return new TransportResponse(
                200, file.contentType(), head ? new byte[0] : file.body(), Map.of("Cache-Control", "no-cache"));
    }

    /**
     * Whether a non-streaming request is a long-poll, which may wait up to {@code longPollMaxWait}
     * for a message before it is answered.
     */
    public static boolean isLongPoll(TransportRequest r) {
        String wait = r.query("wait");
        return "polling".equals(r.query("transport")) && wait != null && !wait.isEmpty() && !wait.equals("0");
    }

    /**
     * The headers of a complete answer, in order, except {@code Content-Length}, {@code
     * Content-Encoding} and {@code Connection}, which belong to the transport: the content type,
     * the protocol version, {@code nosniff}, {@code Cache-Control: no-store} unless the response
     * names its own, the response's extra headers, and the CORS headers.
     */
    public static Map<String, String> responseHeaders(TransportResponse r, @Nullable Map<String, String> corsHeaders) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", r.contentType());
        h.put(PROTOCOL_HEADER, "1");
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Cache-Control", "no-store");
        h.putAll(r.headers());
        if (corsHeaders != null) {
            h.putAll(corsHeaders);
        }
        return h;
    }

    /**
     * The headers of an event stream: {@code text/event-stream}, {@code Cache-Control: no-cache,
     * no-transform} and {@code X-Accel-Buffering: no} (so that no proxy buffers or rewrites it,
     * {@code docs/deploy.md}), {@code nosniff}, the protocol version, the CORS headers, and for a
     * gzip-encoded stream {@code Content-Encoding} with {@code Vary: Accept-Encoding}.
     */
    public static Map<String, String> streamHeaders(@Nullable Map<String, String> corsHeaders, boolean gzip) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", EVENT_STREAM);
        h.put("Cache-Control", "no-cache, no-transform");
        h.put("Connection", "keep-alive");
        h.put("X-Accel-Buffering", "no");
        h.put("X-Content-Type-Options", "nosniff");
        h.put(PROTOCOL_HEADER, "1");
        if (corsHeaders != null) {
            h.putAll(corsHeaders);
        }
        if (gzip) {
            h.put("Content-Encoding", "gzip");
            String vary = h.get("Vary"); // CORS may have set Origin
            h.put("Vary", vary == null ? "Accept-Encoding" : vary + ", Accept-Encoding");
        }
        return h;
    }

    /**
     * Whether a complete answer is sent gzipped: the client accepts gzip, the body is at least
     * {@link #GZIP_THRESHOLD} bytes, and it is not an event stream.
     */
    public static boolean gzipComplete(TransportResponse r, @Nullable String acceptEncoding) {
        return r.body().length >= GZIP_THRESHOLD
                && !r.contentType().startsWith("text/event-stream")
                && acceptsGzip(acceptEncoding);
    }

    /** The heartbeat a stream writes when idle: a comment, or a {@code __ping} frame for {@code ping=1}. */
    public static byte[] heartbeat(boolean pingFrames) {
        return (pingFrames ? PING : KEEPALIVE).clone();
    }

    /**
     * Whether an {@code Accept-Encoding} value allows gzip (a {@code gzip} or {@code *} coding whose
     * {@code q} is not 0).
     */
    public static boolean acceptsGzip(@Nullable String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            String[] params = part.trim().split(";");
            String coding = params[0].trim();
            if (!coding.equalsIgnoreCase("gzip") && !coding.equals("*")) {
                continue;
            }
            boolean zero = false;
            for (int i = 1; i < params.length; i++) {
                String p = params[i].trim();
                if (p.startsWith("q=") || p.startsWith("Q=")) {
                    try {
                        zero = Double.parseDouble(p.substring(2).trim()) <= 0;
                    } catch (NumberFormatException e) {
                        zero = true;
                    }
                }
            }
            if (!zero) {
                return true;
            }
        }
        return false;
    }
}
