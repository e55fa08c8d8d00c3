package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.SessionData;
import io.socketserve.SocketServeException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/** Per-key session data over the backend; CAS loops make {@link #update} atomic per key. */
final class SessionDataImpl implements SessionData {

    private static final int MAX_CAS_ATTEMPTS = 100;

    private final SocketServices services;
    private final io.socketserve.spi.Backend backend;
    private final Json json;
    private final Blocking blocking;
    private final String sessionId;
    private final @Nullable Map<String, String> snapshot; // read-only view of an ended session

    SessionDataImpl(SocketServices services, String sessionId, @Nullable Map<String, String> snapshot) {
        this.services = services;
        this.backend = services.backend;
        this.json = services.json;
        this.blocking = services.blocking;
        this.sessionId = sessionId;
        this.snapshot = snapshot;
    }

    private @Nullable String raw(String key) {
        Objects.requireNonNull(key, "key == null");
        return snapshot != null ? snapshot.get(key) : blocking.get(backend.getData(sessionId, key));
    }

    /** Names a value of this session for errors (the internal session id is not a credential). */
    private String what(String key) {
        return "session data '" + key + "' of session " + sessionId;
    }

    @Override
    public @Nullable JsonNode get(String key) {
        return json.readStored(raw(key), what(key));
    }

    @Override
    public <T> @Nullable T get(String key, Class<T> type) {
        return json.readStored(raw(key), type, what(key));
    }

    @Override
    public void set(String key, @Nullable Object value) {
        Objects.requireNonNull(key, "key == null");
        requireLive();
        String text = value == null ? null : json.writeString(value);
        if (!blocking.get(backend.putData(sessionId, key, text))) {
            throw Blocking.disconnected();
        }
    }

    @Override
    public <T> @Nullable T update(String key, Class<T> type, UnaryOperator<@Nullable T> fn) {
        Objects.requireNonNull(fn, "fn == null");
        requireLive();
        for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
            String current = raw(key);
            T next = fn.apply(json.readStored(current, type, what(key)));
            String text = next == null ? null : json.writeString(next);
            if (blocking.get(backend.compareAndSetData(sessionId, key, current, text))) {
                return next;
            }
            if (blocking.get(backend.findSession(sessionId)) == null) {
                throw Blocking.disconnected();
            }
            CasBackoff.pause(attempt);
        }
        throw new SocketServeException("contention", "too much contention updating '" + key + "'", 503);
    }

    @Override
    public Map<String, JsonNode> all() {
        Map<String, String> rawAll = snapshot != null ? snapshot : blocking.get(backend.getAllData(sessionId));
        Map<String, JsonNode> out = new LinkedHashMap<>();
        rawAll.forEach((k, v) -> out.put(k, json.readStored(v, what(k))));
        return out;
    }

    @Override
    public java.util.concurrent.CompletionStage<@Nullable JsonNode> getAsync(String key) {
        Objects.requireNonNull(key, "key == null");
        if (snapshot != null) {
            return java.util.concurrent.CompletableFuture.completedFuture(
                    json.readStored(snapshot.get(key), what(key)));
        }
        return services.onHandlers(backend.getData(sessionId, key).thenApply(text -> json.readStored(text, what(key))));
    }

    @Override
    public java.util.concurrent.CompletionStage<Void> setAsync(String key, @Nullable Object value) {
        Objects.requireNonNull(key, "key == null");
        if (snapshot != null) {
            return java.util.concurrent.CompletableFuture.failedFuture(Blocking.disconnected());
        }
        String text = value == null ? null : json.writeString(value);
        return services.onHandlers(backend.putData(sessionId, key, text).thenApply(stored -> {
            if (!stored) {
                throw Blocking.disconnected();
            }
            return null;
        }));
    }

    @Override
    public java.util.concurrent.CompletionStage<Map<String, JsonNode>> allAsync() {
        java.util.concurrent.CompletionStage<Map<String, String>> raw = snapshot != null
                ? java.util.concurrent.CompletableFuture.completedFuture(snapshot)
                : backend.getAllData(sessionId);
        return services.onHandlers(raw.thenApply(rawAll -> {
            Map<String, JsonNode> out = new LinkedHashMap<>();
            rawAll.forEach((k, v) -> out.put(k, json.readStored(v, what(k))));
            return out;
        }));
    }

    @Override
    public <T> java.util.concurrent.CompletionStage<@Nullable T> updateAsync(
            String key, Class<T> type, UnaryOperator<@Nullable T> fn) {
        // A compare-and-set loop: run the blocking version on the handler executor.
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> update(key, type, fn), services.callbacks);
    }

    private void requireLive() {
        if (snapshot != null) {
            throw Blocking.disconnected();
        }
    }
}
