package io.socketserve.servlet.internal;

import io.socketserve.transport.HttpPolicy;
import io.socketserve.transport.Redaction;
import io.socketserve.transport.TransportResponse;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JSON answer for an error the container produces itself, before or instead of {@code
 * SocketServeServlet} (a request its HTTP parser refuses, a path no servlet is mapped to): the same
 * {@code {"error","message"}} body, codes and headers that {@code EmbeddedServer} answers with.
 * Used by the Tomcat valve and the Jetty error handler of this module.
 */
public final class ContainerErrors {

    /** Longest path quoted in a {@code not_found} message. */
    private static final int MAX_QUOTED_PATH = 200;

    private ContainerErrors() {}

    /**
     * The answer for {@code status}, set by the container for a request at {@code path} (not
     * decoded, without the query; {@code null} when the request line could not be parsed).
     * {@code reachedApplication} says whether a servlet handled the request: when none did, a
     * {@code 501} or {@code 505} is the HTTP parser refusing what it cannot read (an unknown
     * transfer coding, another HTTP version), which is the request's fault: {@code 400
     * bad_request}, as {@code EmbeddedServer} answers it — bad input never gets a 5xx.
     */
    public static TransportResponse answer(int status, @Nullable String path, boolean reachedApplication) {
        return switch (status) {
            case 400 -> HttpPolicy.badRequest("malformed HTTP request");
            case 404 -> HttpPolicy.notFound(path == null ? "" : quoted(path));
            case 405 -> TransportResponse.error(405, "method_not_allowed", "method not allowed");
            case 408 -> TransportResponse.error(408, "request_timeout", "request not received in time");
            case 411 -> TransportResponse.error(411, "length_required", "Content-Length required");
            case 413 -> TransportResponse.error(413, "payload_too_large", "request body too large");
            case 414 -> TransportResponse.error(414, "uri_too_long", "request line too long");
            case 417 -> TransportResponse.error(417, "expectation_failed", "unsupported Expect header");
            case 426 -> TransportResponse.error(426, "upgrade_required", "unsupported HTTP version");
            case 431 -> TransportResponse.error(431, "headers_too_large", "request headers too large");
            case 501 -> reachedApplication
                    ? TransportResponse.error(501, "not_implemented", "not implemented")
                    : HttpPolicy.badRequest("unsupported transfer coding or method");
            case 505 -> reachedApplication
                    ? TransportResponse.error(505, "http_version_not_supported", "HTTP version not supported")
                    : HttpPolicy.badRequest("unsupported HTTP version");
            case 500 -> HttpPolicy.internalError();
            case 503 -> TransportResponse.error(503, "unavailable", "service unavailable");
            default -> TransportResponse.error(
                    status, status < 500 ? "bad_request" : "internal_error", "HTTP status " + status);
        };
    }

    /** The headers of {@code r} as {@code SocketServeServlet} sends them (no CORS: no origin was checked). */
    public static Map<String, String> headers(TransportResponse r) {
        return HttpPolicy.responseHeaders(r, null);
    }

    private static String quoted(String path) {
        String p = path.length() > MAX_QUOTED_PATH ? path.substring(0, MAX_QUOTED_PATH) + "…" : path;
        return Redaction.redact(p);
    }
}
