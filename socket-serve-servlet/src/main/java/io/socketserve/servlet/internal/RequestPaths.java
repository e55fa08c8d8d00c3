package io.socketserve.servlet.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The request path as the client sent it. A container maps a request by its normalised path —
 * slashes merged, dot-segments resolved, {@code ;parameters} removed — so {@code //socket//connect}
 * or {@code /socket/connect;x=1} reach the servlet as {@code /socket/connect}. {@code
 * EmbeddedServer} routes the path as sent (percent-decoded, nothing else), where those find nothing:
 * comparing the two lets the servlet answer the same.
 */
public final class RequestPaths {

    private RequestPaths() {}

    /**
     * The request URI below the context path, percent-decoded as UTF-8 ({@code +} is not a space in
     * a path), or {@code null} when its percent-encoding is malformed.
     */
    public static @Nullable String asSent(HttpServletRequest req) {
        String uri = req.getRequestURI();
        String context = req.getContextPath();
        String below = uri.startsWith(context) ? uri.substring(context.length()) : uri;
        return decode(below);
    }

    /** {@code %XX} escapes decoded as UTF-8; {@code null} for a malformed escape. */
    static @Nullable String decode(String path) {
        int at = path.indexOf('%');
        if (at < 0) {
            return path;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(path.length());
        int from = 0;
        while (at >= 0) {
            out.writeBytes(path.substring(from, at).getBytes(StandardCharsets.UTF_8));
            if (at + 2 >= path.length()) {
                return null;
            }
            int hi = Character.digit(path.charAt(at + 1), 16);
            int lo = Character.digit(path.charAt(at + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            out.write(hi << 4 | lo);
            from = at + 3;
            at = path.indexOf('%', from);
        }
        out.writeBytes(path.substring(from).getBytes(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }
}
