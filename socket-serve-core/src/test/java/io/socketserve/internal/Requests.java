package io.socketserve.internal;

import io.socketserve.transport.TransportRequest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Builds {@link TransportRequest}s for engine tests that run without sockets. */
final class Requests implements TransportRequest {

    private final String method;
    private final String path;
    private final Map<String, String> query = new HashMap<>();
    private final Map<String, String> headers = new HashMap<>();
    private byte[] body = new byte[0];

    private Requests(String method, String path) {
        this.method = method;
        this.path = path;
    }

    static Requests post(String path, String json) {
        Requests r = new Requests("POST", path);
        r.body = json.getBytes(StandardCharsets.UTF_8);
        return r;
    }

    static Requests get(String path) {
        return new Requests("GET", path);
    }

    Requests query(String name, String value) {
        query.put(name, value);
        return this;
    }

    Requests header(String name, String value) {
        headers.put(name.toLowerCase(Locale.ROOT), value);
        return this;
    }

    @Override
    public String method() {
        return method;
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
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public String remoteAddress() {
        return "127.0.0.1";
    }
}
