package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.SharedStore;
import io.socketserve.SocketServeException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/** {@link SharedStore} over the backend's key/value operations. */
final class SharedStoreImpl implements SharedStore {

    private static final int MAX_CAS_ATTEMPTS = 100;
    private final io.socketserve.spi.Backend backend;
    private final Json json;
    private final Blocking blocking;

    private final java.util.concurrent.Executor callbacks;

    SharedStoreImpl(
            io.socketserve.spi.Backend backend, Json json, Blocking blocking, java.util.concurrent.Executor callbacks) {
        this.callbacks = callbacks;
        this.backend = backend;
        this.json = json;
        this.blocking = blocking;
    }

    @Override
    public @Nullable JsonNode get(String key) {
        return json.readStored(
                blocking.get(backend.kvGet(Objects.requireNonNull(key, "key == null"))), "shared value '" + key + "'");
    }

    @Override
    public <T> @Nullable T get(String key, Class<T> type) {
        return json.readStored(
                blocking.get(backend.kvGet(Objects.requireNonNull(key, "key == null"))),
                type,
                "shared value '" + key + "'");
    }

    @Override
    public void put(String key, @Nullable Object value, Duration ttl) {
        Objects.requireNonNull(key, "key == null");
        blocking.get(backend.kvPut(key, value == null ? null : json.writeString(value), ttl.toMillis()));
    }

    @Override
    public boolean putIfAbsent(String key, Object value, Duration ttl) {
        Objects.requireNonNull(key, "key == null");
        Objects.requireNonNull(value, "value == null");
        return blocking.get(backend.kvCompareAndSet(key, null, json.writeString(value), ttl.toMillis()));
    }

    @Override
    public <T> @Nullable T update(String key, Class<T> type, UnaryOperator<@Nullable T> fn, Duration ttl) {
        Objects.requireNonNull(key, "key == null");
        Objects.requireNonNull(fn, "fn == null");
        for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
            String current = blocking.get(backend.kvGet(key));
            T next = fn.apply(json.readStored(current, type, "shared value '" + key + "'"));
            String text = next == null ? null : json.writeString(next);
            if (blocking.get(backend.kvCompareAndSet(key, current, text, ttl.toMillis()))) {
                return next;
            }
            CasBackoff.pause(attempt);
        }
        throw new SocketServeException("contention", "too much contention updating '" + key + "'", 503);
    }

    // The async variants run the blocking call on the handler executor (virtual threads on JDK 21+):
    // the caller never waits, and callbacks never run on a backend thread.

    @Override
    public java.util.concurrent.CompletionStage<@Nullable JsonNode> getAsync(String key) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> get(key), callbacks);
    }

    @Override
    public java.util.concurrent.CompletionStage<Void> putAsync(String key, @Nullable Object value, Duration ttl) {
        return java.util.concurrent.CompletableFuture.runAsync(() -> put(key, value, ttl), callbacks);
    }

    @Override
    public java.util.concurrent.CompletionStage<Boolean> putIfAbsentAsync(String key, Object value, Duration ttl) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> putIfAbsent(key, value, ttl), callbacks);
    }

    @Override
    public <T> java.util.concurrent.CompletionStage<@Nullable T> updateAsync(
            String key, Class<T> type, UnaryOperator<@Nullable T> fn, Duration ttl) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> update(key, type, fn, ttl), callbacks);
    }
}
