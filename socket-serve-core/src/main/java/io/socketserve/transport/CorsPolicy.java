package io.socketserve.transport;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Cross-origin rules from {@link io.socketserve.ServerOptions#allowedOrigins()}: exact origins are
 * echoed back (with {@code Vary: Origin}); {@code "*"} allows any origin without credentials; an
 * origin not on the list gets no CORS headers, so the browser blocks the response; its preflight is
 * answered {@code 403 origin_not_allowed}. Every transport applies the same rules ({@code
 * docs/security.md}).
 *
 * @since 0.2
 */
public final class CorsPolicy {

    /** {@value}: the request headers a preflight allows. */
    public static final String ALLOWED_HEADERS = "Content-Type, X-Socket-Serve-Session, Last-Event-ID";

    private final Set<String> origins;
    private final boolean any;

    /** For {@link io.socketserve.ServerOptions#allowedOrigins()}. */
    public CorsPolicy(List<String> allowed) {
        this.any = allowed.contains("*");
        this.origins = Set.copyOf(allowed);
    }

    /** Headers to add for a request from {@code origin}, or {@code null} when none apply. */
    @Nullable
    public Map<String, String> headersFor(@Nullable String origin) {
        if (origin == null) {
            return null;
        }
        if (origins.contains(origin)) {
            return Map.of(
                    "Access-Control-Allow-Origin", origin,
                    "Vary", "Origin",
                    "Access-Control-Expose-Headers", "X-Socket-Serve-Protocol, Retry-After");
        }
        if (any) {
            return Map.of(
                    "Access-Control-Allow-Origin", "*",
                    "Access-Control-Expose-Headers", "X-Socket-Serve-Protocol, Retry-After");
        }
        return null;
    }

    /** Preflight answer headers for an allowed origin. */
    public Map<String, String> preflight(Map<String, String> base) {
        java.util.HashMap<String, String> h = new java.util.HashMap<>(base);
        h.put("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        h.put("Access-Control-Allow-Headers", ALLOWED_HEADERS);
        h.put("Access-Control-Max-Age", "600");
        return h;
    }
}
