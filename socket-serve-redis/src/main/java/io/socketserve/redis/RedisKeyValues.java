package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.bytes;
import static io.socketserve.redis.RedisCalls.flag;

import io.lettuce.core.SetArgs;
import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.KeyValueStore;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The {@link KeyValueStore} of {@link RedisBackend}: one Redis string per key, with a {@code PX}
 * expiry; compare-and-set is a script on that one key.
 */
final class RedisKeyValues implements KeyValueStore {

    private final RedisCalls calls;
    private final Keys keys;

    RedisKeyValues(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
    }

    @Override
    public CompletionStage<@Nullable String> kvGet(String key) {
        return calls.call(() -> calls.commands().get(keys.kv(key)), Replies::stringOrNull);
    }

    @Override
    public CompletionStage<Boolean> kvCompareAndSet(
            String key, @Nullable String expected, @Nullable String update, long ttlMillis) {
        return calls.call(
                () -> calls.scripts()
                        .<Long>run(
                                Script.KV_CAS,
                                new byte[][] {keys.kv(key)},
                                flag(expected != null),
                                bytes(expected == null ? "" : expected),
                                flag(update != null),
                                bytes(update == null ? "" : update),
                                bytes(Long.toString(Math.max(0, ttlMillis)))),
                r -> r == 1L);
    }

    @Override
    public CompletionStage<Void> kvPut(String key, @Nullable String value, long ttlMillis) {
        if (value == null) {
            return calls.call(() -> calls.commands().del(keys.kv(key)), r -> null);
        }
        return calls.call(
                () -> ttlMillis > 0
                        ? calls.commands().set(keys.kv(key), bytes(value), SetArgs.Builder.px(ttlMillis))
                        : calls.commands().set(keys.kv(key), bytes(value)),
                r -> null);
    }
}
