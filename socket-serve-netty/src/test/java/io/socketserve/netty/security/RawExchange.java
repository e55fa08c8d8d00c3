package io.socketserve.netty.security;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.RawHttp;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request written byte for byte on a fresh socket, and what came of it: an answer, a close
 * without one, a reset, or nothing before the timeout (a hang). Optionally from another loopback
 * source address ({@code 127.0.0.2}), to play a second client machine.
 */
final class RawExchange {

    /** How an exchange ended. */
    enum Outcome {
        /** A complete final (non-1xx) response arrived. */
        ANSWERED,
        /** The server closed the connection without a (complete) response. */
        CLOSED,
        /** The connection was reset without a response. */
        RESET,
        /** Neither an answer nor a close within the timeout. */
        TIMEOUT
    }

    /** The outcome, the response when there was one, and how long it took. */
    record Result(Outcome outcome, @Nullable HttpResult response, long millis) {

        boolean answered() {
            return outcome == Outcome.ANSWERED;
        }

        @Override
        public String toString() {
            return outcome + (response == null ? "" : " " + response) + " after " + millis + " ms";
        }
    }

    private RawExchange() {}

    static Result send(InetSocketAddress server, byte[] request, Duration timeout) {
        return send(server, null, request, timeout);
    }

    /** Writes {@code request} on a new connection (from {@code local} if given) and reads one answer. */
    static Result send(InetSocketAddress server, @Nullable InetAddress local, byte[] request, Duration timeout) {
        long t0 = System.nanoTime();
        try (Socket socket = new Socket()) {
            if (local != null) {
                socket.bind(new InetSocketAddress(local, 0));
            }
            socket.connect(server, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
            } catch (IOException e) {
                // The server may answer and close before it has read everything (413, 431): read anyway.
            }
            InputStream in = new BufferedInputStream(socket.getInputStream());
            try {
                HttpResult r = readResponse(in, startsWith(request, "HEAD "));
                return new Result(Outcome.ANSWERED, r, elapsed(t0));
            } catch (SocketTimeoutException e) {
                return new Result(Outcome.TIMEOUT, null, elapsed(t0));
            } catch (EOFException e) {
                return new Result(Outcome.CLOSED, null, elapsed(t0));
            } catch (SocketException e) {
                return new Result(Outcome.RESET, null, elapsed(t0));
            }
        } catch (IOException e) {
            return new Result(Outcome.RESET, null, elapsed(t0));
        }
    }

    private static boolean startsWith(byte[] bytes, String prefix) {
        if (bytes.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (bytes[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads one final response, skipping interim 1xx ones; an SSE (chunked) body is not read, nor
     * is the body of an answer to {@code HEAD}.
     */
    static HttpResult readResponse(InputStream in, boolean toHead) throws IOException {
        while (true) {
            RawHttp.Head head = RawHttp.readHead(in);
            if (head.status() >= 100 && head.status() < 200) {
                continue;
            }
            Map<String, List<String>> headers = head.headers();
            List<String> length = headers.get("content-length");
            List<String> te = headers.get("transfer-encoding");
            byte[] body;
            if (toHead) {
                body = new byte[0];
            } else if (length != null) {
                int n = Integer.parseInt(length.get(0).trim());
                body = in.readNBytes(n);
                if (body.length < n) {
                    throw new EOFException("body cut short: " + body.length + " of " + n);
                }
            } else if (te != null && te.get(0).toLowerCase(Locale.ROOT).contains("chunked")) {
                body = new byte[0];
            } else {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                in.transferTo(all);
                body = all.toByteArray();
            }
            return new HttpResult(head.status(), headers, body);
        }
    }

    private static long elapsed(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
