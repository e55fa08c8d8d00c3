package io.socketserve.netty.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** A complete HTTP response as a test saw it: status, headers (names case-insensitive), body. */
public final class HttpResult {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final int status;
    private final Map<String, List<String>> headers;
    private final byte[] body;

    public HttpResult(int status, Map<String, List<String>> headers, byte[] body) {
        this.status = status;
        TreeMap<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> {
            if (k != null) {
                h.put(k.toLowerCase(Locale.ROOT), List.copyOf(v));
            }
        });
        this.headers = h;
        this.body = body;
    }

    public int status() {
        return status;
    }

    /** The first value of a header, or {@code null}. */
    public @Nullable String header(String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public Map<String, List<String>> headers() {
        return headers;
    }

    public byte[] body() {
        return body;
    }

    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The body as JSON ({@code MissingNode} when it is empty or not JSON). */
    public JsonNode json() {
        if (body.length == 0) {
            return MissingNode.getInstance();
        }
        try {
            JsonNode n = MAPPER.readTree(body);
            return n == null ? MissingNode.getInstance() : n;
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    /** The {@code error} code of a JSON error body, or {@code null}. */
    public @Nullable String error() {
        JsonNode e = json().get("error");
        return e == null || !e.isTextual() ? null : e.asText();
    }

    /** The {@code message} of a JSON error body, or {@code null}. */
    public @Nullable String message() {
        JsonNode e = json().get("message");
        return e == null || !e.isTextual() ? null : e.asText();
    }

    @Override
    public String toString() {
        return status + " " + text();
    }
}
