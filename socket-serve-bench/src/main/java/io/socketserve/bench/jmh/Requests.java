package io.socketserve.bench.jmh;

import io.socketserve.transport.TransportRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A {@link TransportRequest} built in memory: drives the engine's endpoint without sockets. */
record Requests(String method, String path, Map<String, String> headers, byte[] body) implements TransportRequest {

    static Requests post(String path, @Nullable String credential, String json) {
        return new Requests(
                "POST",
                path,
                credential == null ? Map.of() : Map.of("x-socket-serve-session", credential),
                json.getBytes(StandardCharsets.UTF_8));
    }

    static Requests stream(String credential) {
        return new Requests("GET", "/sse", Map.of("x-socket-serve-session", credential), new byte[0]);
    }

    @Override
    public @Nullable String query(String name) {
        return null;
    }

    @Override
    public @Nullable String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public String remoteAddress() {
        return "127.0.0.1";
    }
}
