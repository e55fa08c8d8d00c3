package io.socketserve.memory;

import io.socketserve.spi.KeyValueStore;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The {@link KeyValueStore} of {@link InMemoryBackend}: a map whose entries expire when read after
 * their time. Nothing here is atomic with another part, so it has its own lock rather than the
 * backend's.
 */
final class InMemoryKeyValues implements KeyValueStore {

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, KvEntry> kv = new HashMap<>();

    @Override
    public CompletionStage<@Nullable String> kvGet(String key) {
        lock.lock();
        try {
            KvEntry e = liveKv(key);
            return done(e == null ? null : e.value);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Boolean> kvCompareAndSet(
            String key, @Nullable String expected, @Nullable String update, long ttlMillis) {
        lock.lock();
        try {
            KvEntry e = liveKv(key);
            if (!Objects.equals(e == null ? null : e.value, expected)) {
                return done(false);
            }
            putKvLocked(key, update, ttlMillis);
            return done(true);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Void> kvPut(String key, @Nullable String value, long ttlMillis) {
        lock.lock();
        try {
            putKvLocked(key, value, ttlMillis);
            return done(null);
        } finally {
            lock.unlock();
        }
    }

    private void putKvLocked(String key, @Nullable String value, long ttlMillis) {
        if (value == null) {
            kv.remove(key);
        } else {
            kv.put(key, new KvEntry(value, ttlMillis > 0 ? System.currentTimeMillis() + ttlMillis : Long.MAX_VALUE));
        }
    }

    private @Nullable KvEntry liveKv(String key) {
        KvEntry e = kv.get(key);
        if (e != null && e.expiresAt <= System.currentTimeMillis()) {
            kv.remove(key);
            return null;
        }
        return e;
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    private record KvEntry(String value, long expiresAt) {}
}
