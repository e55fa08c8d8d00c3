package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A small JSON key/value store for application state that must be seen by every instance — game
 * lobbies, room metadata, invitation lists — kept in the same backend as sessions (memory or Redis),
 * so an application needs no second store to scale out. All methods block (see {@link Socket}).
 *
 * <pre>{@code
 * SharedStore store = server.store();
 * boolean created = store.putIfAbsent("room:" + name + ":meta", Map.of("creator", socket.id()), Duration.ZERO);
 * store.update("game:" + id, Game.class, g -> g.withPlayer(socket.id()));
 * }</pre>
 */
public interface SharedStore {

    @Nullable
    JsonNode get(String key);

    <T> @Nullable T get(String key, Class<T> type);

    /** Sets or ({@code value == null}) deletes. {@code ttl} zero means no expiry. */
    void put(String key, @Nullable Object value, Duration ttl);

    /** Sets the key only if absent; returns whether it did. */
    boolean putIfAbsent(String key, Object value, Duration ttl);

    /**
     * Atomically replaces the value (see {@link SessionData#update}); {@code ttl} applies to the new
     * value.
     */
    <T> @Nullable T update(String key, Class<T> type, UnaryOperator<@Nullable T> fn, Duration ttl);

    default void remove(String key) {
        put(key, null, Duration.ZERO);
    }

    /**
     * {@link #get(String)} without blocking the caller; completes on the handler executor. (These
     * defaults run the blocking call on the common pool; the server's own store runs it on the
     * handler executor.)
     *
     * @since 0.2
     */
    default java.util.concurrent.CompletionStage<@Nullable JsonNode> getAsync(String key) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> get(key));
    }

    /** {@link #put} without blocking the caller. @since 0.2 */
    default java.util.concurrent.CompletionStage<Void> putAsync(String key, @Nullable Object value, Duration ttl) {
        return java.util.concurrent.CompletableFuture.runAsync(() -> put(key, value, ttl));
    }

    /** {@link #putIfAbsent} without blocking the caller. @since 0.2 */
    default java.util.concurrent.CompletionStage<Boolean> putIfAbsentAsync(String key, Object value, Duration ttl) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> putIfAbsent(key, value, ttl));
    }

    /** {@link #update} without blocking the caller. @since 0.2 */
    default <T> java.util.concurrent.CompletionStage<@Nullable T> updateAsync(
            String key, Class<T> type, UnaryOperator<@Nullable T> fn, Duration ttl) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> update(key, type, fn, ttl));
    }
}
