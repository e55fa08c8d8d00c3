package io.socketserve.netty.security;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Generates malformed HTTP requests for the fuzz test, deterministically from a seed. Every request
 * is wrong in at least one way the server must refuse (none may succeed, whatever the server does
 * with the rest of it), and says how it is wrong:
 *
 * <ul>
 *   <li>{@link Kind#REQUEST} — a well-framed request with bad content (JSON, types, sizes, UTF-8,
 *       methods, paths, parameters, headers): it must get a JSON 4xx;
 *   <li>{@link Kind#FRAMING} — bytes that are not a well-framed HTTP/1.1 request (conflicting lengths,
 *       broken chunks, garbage, truncated heads): a JSON 4xx, or a close.
 * </ul>
 *
 * <p>Two kinds of input are left out because they expose known bugs with their own disabled tests
 * ({@code HttpHygieneIT}): malformed percent-escapes in the request target, and {@code Expect}
 * headers. A request never carries a valid credential to {@code /disconnect}, never a valid {@code
 * /connect} body, and never a valid stream or poll request, so none can succeed.
 */
final class MalformedRequests {

    enum Kind {
        REQUEST,
        FRAMING
    }

    /** One generated request. */
    record Case(long index, String category, Kind kind, byte[] bytes) {

        /** The first bytes, printable, for failure messages. */
        String preview() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < Math.min(bytes.length, 240); i++) {
                int c = bytes[i] & 0xff;
                if (c == '\r') {
                    b.append("\\r");
                } else if (c == '\n') {
                    b.append("\\n");
                } else if (c < 0x20 || c > 0x7e) {
                    b.append(String.format("\\x%02x", c));
                } else {
                    b.append((char) c);
                }
            }
            return b + (bytes.length > 240 ? "… (" + bytes.length + " bytes)" : "");
        }
    }

    private static final List<String> CATEGORIES = List.of(
            "bad-json",
            "wrong-types",
            "huge",
            "deep",
            "invalid-utf8",
            "nul-bytes",
            "odd-methods",
            "odd-paths",
            "bad-params",
            "header-flood",
            "long-line",
            "framing");

    private static final byte[][] INVALID_UTF8 = {
        {(byte) 0xC3, 0x28},
        {(byte) 0xA0, (byte) 0xA1},
        {(byte) 0xE2, 0x28, (byte) 0xA1},
        {(byte) 0xE2, (byte) 0x82, 0x28},
        {(byte) 0xF0, 0x28, (byte) 0x8C, (byte) 0xBC},
        {(byte) 0xF8, (byte) 0xA1, (byte) 0xA1, (byte) 0xA1, (byte) 0xA1},
        {(byte) 0xC0, (byte) 0xAF},
        {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xFF},
        {(byte) 0xFE},
        {(byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}
    };
    private static final List<String> ODD_METHODS =
            List.of("PUT", "DELETE", "PATCH", "TRACE", "FOO", "get", "post", "PROPFIND", "M-SEARCH", "OPTIONS");
    private static final List<String> ENDPOINTS = List.of("/connect", "/message", "/disconnect", "/sse");

    private final long seed;
    private final String credential;
    private final String publicId;
    private final int maxPayload;

    MalformedRequests(long seed, String credential, String publicId, int maxPayload) {
        this.seed = seed;
        this.credential = credential;
        this.publicId = publicId;
        this.maxPayload = maxPayload;
    }

    /** Case {@code index}: the same for the same seed, whichever thread asks. */
    Case get(long index) {
        Random r = new Random(seed * 1_000_003L + index);
        String category = CATEGORIES.get(r.nextInt(CATEGORIES.size()));
        return switch (category) {
            case "bad-json" -> request(index, category, badJson(r));
            case "wrong-types" -> request(index, category, wrongTypes(r));
            case "huge" -> request(index, category, huge(r));
            case "deep" -> request(index, category, deep(r));
            case "invalid-utf8" -> request(index, category, invalidUtf8(r));
            case "nul-bytes" -> nulBytes(index, r);
            case "odd-methods" -> request(index, category, oddMethod(r));
            case "odd-paths" -> request(index, category, oddPath(r));
            case "bad-params" -> request(index, category, badParams(r));
            case "header-flood" -> request(index, category, headerFlood(r));
            case "long-line" -> request(index, category, longLine(r));
            default -> new Case(index, category, Kind.FRAMING, framing(r));
        };
    }

    private static Case request(long index, String category, byte[] bytes) {
        return new Case(index, category, Kind.REQUEST, bytes);
    }

    // ------------------------------------------------------------------------------ categories

    /** Broken JSON: prefixes of objects anywhere; token soup where no credential can appear. */
    private byte[] badJson(Random r) {
        String full = randomObject(r, 3);
        if (r.nextBoolean()) {
            String prefix = full.substring(0, 1 + r.nextInt(full.length() - 1));
            return post(pick(r, ENDPOINTS.subList(0, 3)), prefix.getBytes(StandardCharsets.UTF_8));
        }
        String[] tokens = {
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "\"a\"",
            "1",
            "true",
            "null",
            "\"",
            "'",
            "\\",
            "NaN",
            "Infinity",
            "-",
            "1e",
            "/*",
            "//",
            "\"event\"",
            "\"sessionId\"",
            "0x1F",
            "undefined",
            "\uFEFF"
        };
        StringBuilder b = new StringBuilder();
        for (int i = 0, n = 1 + r.nextInt(30); i < n; i++) {
            b.append(tokens[r.nextInt(tokens.length)]);
        }
        return post(r.nextBoolean() ? "/message" : "/disconnect", b.toString().getBytes(StandardCharsets.UTF_8));
    }

    private byte[] wrongTypes(Random r) {
        String[] wrong = {"42", "true", "[]", "{}", "[\"" + credential + "\"]", "{\"a\":1}", "1.5", "-0"};
        String w = wrong[r.nextInt(wrong.length)];
        String data = randomValue(r, 2);
        switch (r.nextInt(9)) {
            case 0 -> {
                return post(
                        "/message", json("\"sessionId\":" + q(credential) + ",\"event\":" + w + ",\"data\":" + data));
            }
            case 1 -> {
                String event = r.nextBoolean() ? "" : "e".repeat(129 + r.nextInt(2000));
                return post("/message", json("\"sessionId\":" + q(credential) + ",\"event\":" + q(event)));
            }
            case 2 -> {
                String id = r.nextBoolean() ? w : q(r.nextBoolean() ? "" : "m".repeat(65 + r.nextInt(500)));
                return post(
                        "/message",
                        json("\"sessionId\":" + q(credential)
                                + ",\"event\":\"fuzz\",\"requiresAck\":true,\"messageId\":" + id));
            }
            case 3 -> {
                String flag = r.nextBoolean() ? "requiresAck" : "ackInResponse";
                String v = r.nextBoolean() ? "\"true\"" : w.equals("true") ? "1" : w;
                return post(
                        "/message",
                        json("\"sessionId\":" + q(credential) + ",\"event\":\"fuzz\",\"messageId\":\"m1\"," + q(flag)
                                + ":" + v));
            }
            case 4 -> {
                String event = r.nextBoolean() ? "__ack" : "fuzz";
                return post(
                        "/message",
                        json("\"sessionId\":" + q(credential) + ",\"event\":" + q(event)
                                + (event.equals("fuzz") ? ",\"requiresAck\":true" : "") + ",\"data\":" + data));
            }
            case 5 -> {
                return post(
                        r.nextBoolean() ? "/message" : "/disconnect",
                        json("\"sessionId\":" + w + ",\"event\":\"fuzz\""));
            }
            case 6 -> {
                return post(
                        "/connect",
                        json("\"auth\":" + pick(r, List.of("1", "\"token\"", "[]", "true", "[{}]", "-1e9"))));
            }
            case 7 -> {
                return post("/connect", json("\"namespace\":" + pick(r, List.of("5", "[]", "{}", "true", "[\"/\"]"))));
            }
            default -> {
                String body =
                        pick(r, List.of("[]", "[1,2]", "\"str\"", "42", "null", "true", "[{\"sessionId\":\"x\"}]"));
                return post(pick(r, ENDPOINTS.subList(0, 3)), body.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private byte[] huge(Random r) {
        int size = maxPayload + 1 + r.nextInt(3 * maxPayload);
        String endpoint = pick(r, ENDPOINTS.subList(0, 3));
        switch (r.nextInt(3)) {
            case 0 -> {
                String pad = "x".repeat(size);
                return post(
                        endpoint, json("\"sessionId\":" + q(credential) + ",\"event\":\"fuzz\",\"data\":" + q(pad)));
            }
            case 1 -> {
                return head(
                        "POST",
                        "/socket" + endpoint,
                        "Content-Type: application/json\r\nContent-Length: " + (long) size * (1 + r.nextInt(1_000_000))
                                + "\r\n");
            }
            default -> {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.writeBytes(head(
                        "POST",
                        "/socket" + endpoint,
                        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"));
                int sent = 0;
                while (sent <= size) {
                    int n = 1 + r.nextInt(16 * 1024);
                    b.writeBytes((Integer.toHexString(n) + "\r\n" + "y".repeat(n) + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    sent += n;
                }
                b.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return b.toByteArray();
            }
        }
    }

    private byte[] deep(Random r) {
        int depth = 65 + r.nextInt(8000);
        String nested = r.nextBoolean()
                ? "[".repeat(depth) + "]".repeat(depth)
                : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        if (r.nextInt(3) == 0) {
            return post("/connect", json("\"auth\":" + nested));
        }
        return post("/message", json("\"sessionId\":" + q(credential) + ",\"event\":\"fuzz\",\"data\":" + nested));
    }

    private byte[] invalidUtf8(Random r) {
        String endpoint = pick(r, ENDPOINTS.subList(0, 3));
        String text = "text-" + r.nextInt(1000) + "-\u00e9\u4e2d";
        String body =
                switch (endpoint) {
                    case "/connect" -> "{\"auth\":{\"name\":" + q(text) + "}}";
                    case "/message" -> "{\"sessionId\":" + q(credential) + ",\"event\":\"fuzz\",\"data\":" + q(text)
                            + "}";
                    default -> "{\"sessionId\":" + q(text) + "}";
                };
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("text-") + 5;
        byte[] bad = INVALID_UTF8[r.nextInt(INVALID_UTF8.length)];
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(bytes, 0, at);
        b.writeBytes(bad);
        b.write(bytes, at, bytes.length - at);
        return post(endpoint, b.toByteArray());
    }

    private Case nulBytes(long index, Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> request(
                    index,
                    "nul-bytes",
                    post(
                            "/message",
                            json("\"sessionId\":" + q(credential) + ",\"event\":\"fuzz\",\"data\":\"a\u0000b\"")));
            case 1 -> request(
                    index,
                    "nul-bytes",
                    post("/message", json("\"sessionId\":" + q(credential) + ",\"event\":\"fu\u0000zz\"")));
            case 2 -> new Case(index, "nul-bytes", Kind.FRAMING, head("GET", "/socket/s\u0000se", ""));
            case 3 -> new Case(index, "nul-bytes", Kind.FRAMING, head("GET", "/socket/sse", "X-\u0000: v\r\n"));
            default -> new Case(
                    index,
                    "nul-bytes",
                    Kind.FRAMING,
                    head("GET", "/socket/sse", "X-Socket-Serve-Session: " + credential + "\u0000\r\n"));
        };
    }

    private byte[] oddMethod(Random r) {
        String method = pick(r, ODD_METHODS);
        String path = "/socket" + pick(r, ENDPOINTS);
        String extra = method.equals("OPTIONS") && r.nextBoolean()
                ? "Origin: http://evil-" + r.nextInt(1000) + ".test\r\nAccess-Control-Request-Method: POST\r\n"
                : "";
        if (r.nextBoolean()) {
            byte[] body = json("\"sessionId\":" + q(credential) + ",\"event\":\"fuzz\"");
            return join(
                    head(
                            method,
                            path,
                            extra + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n"),
                    body);
        }
        if (method.equals("OPTIONS") || method.equals("TRACE") || method.equals("get")) {
            return head(method, path, extra);
        }
        return head(method, path, extra + "Content-Length: 0\r\n");
    }

    private byte[] oddPath(Random r) {
        String segment = randomText(r, 1 + r.nextInt(40));
        String path =
                switch (r.nextInt(12)) {
                    case 0 -> "/socket/" + enc(segment);
                    case 1 -> "/" + enc(segment);
                    case 2 -> "/socket/../"
                            + pick(
                                    r,
                                    List.of(
                                            "etc/passwd",
                                            "io/socketserve/netty/EmbeddedServer.class",
                                            "logback-test.xml"));
                    case 3 -> "/socket/%2e%2e/%2e%2e/etc/passwd";
                    case 4 -> "//socket//connect";
                    case 5 -> "/SOCKET" + pick(r, ENDPOINTS);
                    case 6 -> "/socket" + pick(r, ENDPOINTS) + "/" + enc(segment);
                    case 7 -> "/socket" + pick(r, ENDPOINTS) + ";jsessionid=" + r.nextInt();
                    case 8 -> "/socket/" + "a".repeat(1000 + r.nextInt(6000));
                    case 9 -> "http://" + enc(segment) + ".test/socket/sse";
                    case 10 -> "/..%5c..%5cwindows%5cwin.ini";
                    default -> "/" + "..%2f".repeat(1 + r.nextInt(10)) + "io/socketserve/client/socket-serve.js";
                };
        if (r.nextBoolean()) {
            return head("GET", path, "");
        }
        return join(
                head("POST", path, "Content-Type: application/json\r\nContent-Length: 2\r\n"),
                "{}".getBytes(StandardCharsets.UTF_8));
    }

    private byte[] badParams(Random r) {
        String garbage = "x" + enc(randomText(r, 1 + r.nextInt(60)));
        return switch (r.nextInt(8)) {
            case 0 -> head("GET", "/socket/sse" + (r.nextBoolean() ? "" : "?transport=polling"), "");
            case 1 -> head(
                    "GET", "/socket/sse?sessionId=" + garbage + (r.nextBoolean() ? "&transport=polling" : ""), "");
            case 2 -> head(
                    "GET",
                    "/socket/sse?transport=polling&sessionId=" + enc(credential) + "&after="
                            + pick(r, List.of("x", "-1", "1e3", "9999999999999999999", "0x10", "%201", garbage)),
                    "");
            case 3 -> head(
                    "GET",
                    "/socket/sse?transport=polling&sessionId=" + enc(credential) + "&wait="
                            + pick(r, List.of("soon", "-5", "1234567890", "1.5", garbage)),
                    "");
            case 4 -> head(
                    "GET",
                    "/socket/sse?sessionId=" + enc(credential),
                    "Last-Event-ID: " + pick(r, List.of("abc", "-5", "1e3", "99999999999999999999", "0x1", "1 2"))
                            + "\r\n");
            case 5 -> head(
                    "GET",
                    "/socket/sse?sessionId=" + enc(credential) + "&lastEventId="
                            + pick(r, List.of("x", "-1", "1.0", garbage)),
                    "");
            case 6 -> head(
                    "GET",
                    "/socket/sse?sessionId=" + enc(publicId) + (r.nextBoolean() ? "&transport=polling" : ""),
                    "");
            default -> head(
                    "GET",
                    "/socket/sse",
                    "X-Socket-Serve-Session: "
                            + pick(
                                    r,
                                    List.of(
                                            publicId,
                                            credential + "x",
                                            credential.substring(0, 20),
                                            "Bearer " + credential,
                                            ""))
                            + "\r\n");
        };
    }

    private byte[] headerFlood(Random r) {
        StringBuilder h = new StringBuilder();
        boolean over = r.nextBoolean();
        int target = over ? 17 * 1024 + r.nextInt(64 * 1024) : 1024 + r.nextInt(8 * 1024);
        while (h.length() < target) {
            switch (r.nextInt(4)) {
                case 0 -> h.append("X-")
                        .append(r.nextInt(100000))
                        .append(": ")
                        .append("v".repeat(r.nextInt(200)))
                        .append("\r\n");
                case 1 -> h.append("Host: dup-").append(r.nextInt(100)).append("\r\n");
                case 2 -> h.append("Cookie: c")
                        .append(r.nextInt(1000))
                        .append("=")
                        .append("x".repeat(r.nextInt(300)))
                        .append("\r\n");
                default -> h.append("X-Socket-Serve-Session: ").append(publicId).append("\r\n");
            }
        }
        String path = over ? "/socket" + pick(r, ENDPOINTS) : "/socket/message";
        byte[] body = "{\"event\":\"fuzz\"}".getBytes(StandardCharsets.UTF_8);
        return join(
                head("POST", path, h + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n"),
                body);
    }

    private byte[] longLine(Random r) {
        int length = 8 * 1024 + r.nextInt(32 * 1024);
        return head("GET", "/socket/sse?sessionId=" + enc(credential) + "&pad=" + "p".repeat(length), "");
    }

    /** Not well-framed HTTP/1.1. */
    private byte[] framing(Random r) {
        byte[] body = json("\"event\":\"fuzz\"");
        String cl = "Content-Length: " + body.length + "\r\n";
        String start = "POST /socket/message HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json\r\n";
        String text =
                switch (r.nextInt(14)) {
                    case 0 -> start + cl + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
                    case 1 -> start + cl + "Content-Length: " + (body.length + 1 + r.nextInt(9)) + "\r\n\r\n"
                            + new String(body, StandardCharsets.UTF_8);
                    case 2 -> start + "Transfer-Encoding: chunked\r\n\r\n"
                            + pick(r, List.of("zz", "-1", "FFFFFFFFFFFFFFFFFF", "5;" + "x".repeat(9000), "3\r\nabcdef"))
                            + "\r\n0\r\n\r\n";
                    case 3 -> start + "Transfer-Encoding: "
                            + pick(r, List.of("gzip", "chunked, gzip", "identity", "x", "chunked\u000b")) + "\r\n\r\n";
                    case 4 -> randomText(r, 1 + r.nextInt(200)) + "\r\n\r\n";
                    case 5 -> "GET /socket/sse HTTP/" + pick(r, List.of("0.9", "1.x", "2.0", "11", "", "1.1 extra"))
                            + "\r\nHost: fuzz\r\n\r\n";
                    case 6 -> "GET  /socket/sse  HTTP/1.1\r\nHost: fuzz\r\n\r\n";
                    case 7 -> "GET\t/socket/sse\tHTTP/1.1\r\nHost: fuzz\r\n\r\n";
                    case 8 -> start + "Content-Length : " + body.length + "\r\n\r\n"
                            + new String(body, StandardCharsets.UTF_8);
                    case 9 -> "GET /socket/sse HTTP/1.1\nHost: fuzz\n\n";
                    case 10 -> start + cl + "\r\n" + new String(body, StandardCharsets.UTF_8)
                            + randomText(r, 1 + r.nextInt(50)) + "\r\n\r\n";
                    case 11 -> "GET /socket/s"; // a truncated head: the server's request timeout ends it
                    case 12 -> start + "Content-Length: " + (body.length + 100) + "\r\n\r\n"
                            + new String(body, StandardCharsets.UTF_8); // body cut short
                    default -> "POST /socket/message HTTP/1.1\r\nHost: fuzz\r\n"
                            + "X-Fold: a\r\n b\r\n".repeat(1 + r.nextInt(50)) + "Transfer-Encoding: chunked\r\n" + cl
                            + "\r\n";
                };
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (r.nextInt(8) == 0) {
            bytes = bytes.clone();
            bytes[r.nextInt(bytes.length)] = (byte) r.nextInt(256); // flip a byte anywhere
        }
        return bytes;
    }

    // --------------------------------------------------------------------------------- helpers

    private static byte[] head(String method, String target, String headers) {
        return (method + " " + target + " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n" + headers + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] post(String endpoint, byte[] body) {
        return join(
                head(
                        "POST",
                        "/socket" + endpoint,
                        "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n"),
                body);
    }

    private static byte[] join(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] json(String members) {
        return ("{" + members + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static <T> T pick(Random r, List<T> from) {
        return from.get(r.nextInt(from.size()));
    }

    private static String randomText(Random r, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = r.nextInt(10);
            b.append(
                    (char) (kind < 7 ? 0x21 + r.nextInt(0x5e) : kind < 9 ? 0xa0 + r.nextInt(0x2000) : r.nextInt(0x20)));
        }
        return b.toString();
    }

    private static String randomObject(Random r, int depth) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(q("k" + r.nextInt(100) + i)).append(':').append(randomValue(r, depth - 1));
        }
        return b.append('}').toString();
    }

    private static String randomValue(Random r, int depth) {
        return switch (depth <= 0 ? r.nextInt(4) : r.nextInt(6)) {
            case 0 -> Integer.toString(r.nextInt());
            case 1 -> q(randomText(r, r.nextInt(20)).replaceAll("[\\x00-\\x1f]", "_"));
            case 2 -> r.nextBoolean() ? "true" : "null";
            case 3 -> Double.toString(r.nextDouble());
            case 4 -> randomObject(r, depth);
            default -> "[" + randomValue(r, depth - 1) + "," + randomValue(r, depth - 1) + "]";
        };
    }
}
