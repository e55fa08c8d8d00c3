package io.socketserve.servlet.internal;

import io.socketserve.transport.TransportRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TransportRequest} over an {@link HttpServletRequest}. The query string is decoded here,
 * not with {@code getParameter}, which would also read a form-encoded body.
 */
public final class ServletTransportRequest implements TransportRequest {

    private final HttpServletRequest request;
    private final String path;
    private final Map<String, String> query;
    private final byte[] body;

    private ServletTransportRequest(HttpServletRequest request, String path, Map<String, String> query, byte[] body) {
        this.request = request;
        this.path = path;
        this.query = query;
        this.body = body;
    }

    /**
     * The request at {@code path} (below the mount point) with its body already read.
     *
     * @throws IllegalArgumentException for a malformed percent-encoding in the query string
     */
    public static ServletTransportRequest of(HttpServletRequest request, String path, byte[] body) {
        return new ServletTransportRequest(request, path, decode(request.getQueryString()), body);
    }

    /** First value of each parameter, like Netty's {@code QueryStringDecoder}. */
    static Map<String, String> decode(@Nullable String query) {
        Map<String, String> out = new HashMap<>();
        if (query == null || query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(name, value);
        }
        return out;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public @Nullable String query(String name) {
        return query.get(name);
    }

    @Override
    public @Nullable String header(String name) {
        return request.getHeader(name);
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public String remoteAddress() {
        return request.getRemoteAddr();
    }
}
