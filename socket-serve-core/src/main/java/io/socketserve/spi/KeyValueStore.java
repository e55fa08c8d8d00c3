package io.socketserve.spi;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The backend part that keeps the application's shared key/values ({@code server.store()}): small
 * string values, optionally expiring, that every instance on the store sees.
 *
 * <h2>What it stores</h2>
 *
 * <p>String keys to string values (the engine writes JSON text), each with an optional expiry. The
 * key space is the application's own: separate from session ids, room keys and session data.
 *
 * <h2>Atomicity</h2>
 *
 * <p>{@link #kvCompareAndSet} is a true compare-and-set on one key; nothing spans keys, and nothing
 * here is atomic with any other part. This part can therefore live apart from the others: in its own
 * store, behind its own lock.
 *
 * <h2>What the engine relies on</h2>
 *
 * <p>That an expired key reads as absent (applications build leases and locks with a TTL), and that
 * every instance sees the same value ({@code SharedStore}).
 *
 * <p>Test an implementation with {@code KeyValueStoreContract} from the core test jar.
 *
 * @since 0.2
 */
public interface KeyValueStore {

    /** A value of the application's shared store, or {@code null}. */
    CompletionStage<@Nullable String> kvGet(String key);

    /**
     * Sets the key to {@code update} (deletes when {@code null}) only if its current value equals
     * {@code expected} ({@code null}: absent). {@code ttlMillis > 0} sets an expiry, 0 none.
     */
    CompletionStage<Boolean> kvCompareAndSet(
            String key, @Nullable String expected, @Nullable String update, long ttlMillis);

    /** Sets or deletes a key unconditionally. */
    CompletionStage<Void> kvPut(String key, @Nullable String value, long ttlMillis);
}
