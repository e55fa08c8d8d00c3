package io.socketserve.netty.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/1.1 over a plain socket, byte for byte: for requests an ordinary client would not send
 * (invalid UTF-8, pipelining, odd methods) and for reading streams exactly as they arrive.
 */
public final class RawHttp {

    private static final int TIMEOUT_MILLIS = 10_000;

    private RawHttp() {}

    /** The bytes of one request; adds {@code Host} and, with a body, {@code Content-Length}. */
    public static byte[] request(
            String method, String target, String host, Map<String, String> headers, byte @Nullable [] body) {
        StringBuilder b = new StringBuilder()
                .append(method)
                .append(' ')
                .append(target)
                .append(" HTTP/1.1\r\nHost: ")
                .append(host)
                .append("\r\n");
        headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            b.append("Content-Length: ").append(body.length).append("\r\n");
        }
        b.append("\r\n");
        byte[] head = b.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body == null) {
            return head;
        }
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    /** Sends one request on a fresh connection and reads the answer. */
    public static HttpResult exchange(InetSocketAddress address, byte[] request) throws IOException {
        return pipeline(address, List.of(request)).get(0);
    }

    /** Writes every request on one connection before reading anything, then reads as many answers. */
    public static List<HttpResult> pipeline(InetSocketAddress address, List<byte[]> requests) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (byte[] r : requests) {
                all.writeBytes(r);
            }
            out.write(all.toByteArray());
            out.flush();
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            List<HttpResult> results = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                results.add(readResponse(in));
            }
            return results;
        }
    }

    /** Status line and headers of a response. */
    public record Head(int status, Map<String, List<String>> headers) {
        @Nullable
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }
    }

    /** Reads the status line and headers. */
    public static Head readHead(InputStream in) throws IOException {
        String status = readLine(in);
        if (status == null) {
            throw new EOFException("connection closed before a response");
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP response: " + status);
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(
                                line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(line.substring(colon + 1).trim());
            }
        }
        return new Head(Integer.parseInt(parts[1]), headers);
    }

    /** Reads a complete response (Content-Length, chunked, or until the connection closes). */
    public static HttpResult readResponse(InputStream in) throws IOException {
        Head head = readHead(in);
        return new HttpResult(head.status(), head.headers(), readBody(head, in));
    }

    static byte[] readBody(Head head, InputStream in) throws IOException {
        String length = head.header("content-length");
        if (length != null) {
            return in.readNBytes(Integer.parseInt(length));
        }
        String te = head.header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            return new ChunkedInputStream(in).readAllBytes();
        }
        return in.readAllBytes();
    }

    /** One CRLF- (or LF-) terminated line in ISO-8859-1, or {@code null} at end of stream. */
    static @Nullable String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] b = line.toByteArray();
                int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, n, StandardCharsets.ISO_8859_1);
            }
            line.write(c);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * Decodes a chunked body (RFC 9112 §7.1). A connection that ends mid-chunk ends the stream
     * quietly: a test reading a stream the server cut off gets what arrived.
     */
    static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;
        private boolean eof;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (eof) {
                return -1;
            }
            if (remaining == 0) {
                String size = readLine(in);
                if (size == null) {
                    eof = true;
                    return -1;
                }
                if (size.isEmpty()) { // the CRLF after the previous chunk
                    size = readLine(in);
                    if (size == null) {
                        eof = true;
                        return -1;
                    }
                }
                int semi = size.indexOf(';');
                remaining = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (remaining == 0) {
                    String trailer;
                    while ((trailer = readLine(in)) != null && !trailer.isEmpty()) {
                        // trailers are ignored
                    }
                    eof = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                eof = true;
                return -1;
            }
            remaining -= n;
            return n;
        }
    }
}
