package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A session's key/value data, stored in the backend so that every instance sees it. Values are JSON
 * (anything Jackson serialises). Each key is independent: {@link #update} is atomic per key — two
 * handlers on two instances incrementing the same counter lose no increment — and writes to
 * different keys never overwrite each other. All methods block (see {@link Socket}).
 */
public interface SessionData {

    /** The value, or {@code null} if absent. */
    @Nullable
    JsonNode get(String key);

    /** The value converted to {@code type}, or {@code null} if absent. */
    <T> @Nullable T get(String key, Class<T> type);

    /** Sets a value ({@code null} removes the key). */
    void set(String key, @Nullable Object value);

    /** Removes a key. */
    default void remove(String key) {
        set(key, null);
    }

    /**
     * Atomically replaces the value: {@code fn} receives the current value ({@code null} if absent)
     * and returns the new one ({@code null} removes). {@code fn} may run more than once under
     * contention and must have no side effects.
     *
     * @return the value that was stored
     */
    <T> @Nullable T update(String key, Class<T> type, UnaryOperator<@Nullable T> fn);

    /** Every key and value. */
    Map<String, JsonNode> all();

    /**
     * {@link #get(String)} without blocking; completes on the handler executor. (The default runs
     * the blocking call on the common pool; the server's own implementation never blocks.)
     *
     * @since 0.2
     */
    default java.util.concurrent.CompletionStage<@Nullable JsonNode> getAsync(String key) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> get(key));
    }

    /** {@link #set} without blocking. @since 0.2 */
    default java.util.concurrent.CompletionStage<Void> setAsync(String key, @Nullable Object value) {
        return java.util.concurrent.CompletableFuture.runAsync(() -> set(key, value));
    }

    /** {@link #update} without blocking the caller. @since 0.2 */
    default <T> java.util.concurrent.CompletionStage<@Nullable T> updateAsync(
            String key, Class<T> type, UnaryOperator<@Nullable T> fn) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> update(key, type, fn));
    }

    /** {@link #all} without blocking. @since 0.2 */
    default java.util.concurrent.CompletionStage<Map<String, JsonNode>> allAsync() {
        return java.util.concurrent.CompletableFuture.supplyAsync(this::all);
    }
}
