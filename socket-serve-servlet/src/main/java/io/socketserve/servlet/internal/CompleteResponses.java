package io.socketserve.servlet.internal;

import io.socketserve.transport.HttpPolicy;
import io.socketserve.transport.TransportResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link TransportResponse} as a complete answer: the headers of {@link
 * HttpPolicy#responseHeaders}, gzip when {@link HttpPolicy#gzipComplete} says so, an exact {@code
 * Content-Length}. Blocking writes: only ever called on a container thread.
 */
public final class CompleteResponses {

    private CompleteResponses() {}

    /**
     * Writes {@code r}; with {@code close} the container closes the connection afterwards (an
     * oversized body that was not read).
     */
    public static void write(
            HttpServletRequest req,
            HttpServletResponse res,
            TransportResponse r,
            @Nullable Map<String, String> cors,
            boolean close)
            throws IOException {
        res.setStatus(r.status());
        HttpPolicy.responseHeaders(r, cors).forEach(res::setHeader);
        byte[] body = r.body();
        if (HttpPolicy.gzipComplete(r, req.getHeader("Accept-Encoding"))) {
            body = gzip(body);
            res.setHeader("Content-Encoding", "gzip");
            String vary = res.getHeader("Vary");
            res.setHeader("Vary", vary == null ? "Accept-Encoding" : vary + ", Accept-Encoding");
        }
        if (close) {
            res.setHeader("Connection", "close");
        }
        res.setContentLength(body.length);
        if (body.length > 0) {
            res.getOutputStream().write(body);
        }
        res.flushBuffer();
    }

    private static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 3 + 32);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams do not fail
        }
        return out.toByteArray();
    }
}
