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

    private final Engine engine;
    private final String sessionId;
    private final @Nullable Map<String, String> snapshot; // read-only view of an ended session

    SessionDataImpl(Engine engine, String sessionId, @Nullable Map<String, String> snapshot) {
        this.engine = engine;
        this.sessionId = sessionId;
        this.snapshot = snapshot;
    }

    private @Nullable String raw(String key) {
        Objects.requireNonNull(key, "key == null");
        return snapshot != null ? snapshot.get(key) : engine.await(engine.backend.getData(sessionId, key));
    }

    @Override
    public @Nullable JsonNode get(String key) {
        return engine.json.readTree(raw(key));
    }

    @Override
    public <T> @Nullable T get(String key, Class<T> type) {
        return engine.json.read(raw(key), type);
    }

    @Override
    public void set(String key, @Nullable Object value) {
        Objects.requireNonNull(key, "key == null");
        requireLive();
        String text = value == null ? null : engine.json.writeString(value);
        if (!engine.await(engine.backend.putData(sessionId, key, text))) {
            throw Engine.disconnected();
        }
    }

    @Override
    public <T> @Nullable T update(String key, Class<T> type, UnaryOperator<@Nullable T> fn) {
        Objects.requireNonNull(fn, "fn == null");
        requireLive();
        for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
            String current = raw(key);
            T next = fn.apply(engine.json.read(current, type));
            String text = next == null ? null : engine.json.writeString(next);
            if (engine.await(engine.backend.compareAndSetData(sessionId, key, current, text))) {
                return next;
            }
            if (engine.await(engine.backend.findSession(sessionId)) == null) {
                throw Engine.disconnected();
            }
        }
        throw new SocketServeException("contention", "too much contention updating '" + key + "'", 503);
    }

    @Override
    public Map<String, JsonNode> all() {
        Map<String, String> rawAll = snapshot != null ? snapshot : engine.await(engine.backend.getAllData(sessionId));
        Map<String, JsonNode> out = new LinkedHashMap<>();
        rawAll.forEach((k, v) -> out.put(k, engine.json.readTree(v)));
        return out;
    }

    private void requireLive() {
        if (snapshot != null) {
            throw Engine.disconnected();
        }
    }
}
