package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.TOUCH_CHUNK;
import static io.socketserve.redis.RedisCalls.bytes;
import static io.socketserve.redis.RedisCalls.flag;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.SessionRecord;
import io.socketserve.spi.SessionStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The {@link SessionStore} of {@link RedisBackend}: a hash per session, a hash of its data, and a
 * sorted set of sessions by expiry; creation, touches, cursors, data writes and removal are scripts
 * (removal also deletes the memberships and appends the entry). Every session key carries a safety
 * TTL of {@value RedisBackend#SAFETY_TTL_FACTOR} times the time to the session's expiry.
 */
final class RedisSessions implements SessionStore {

    private static final long MIN_SAFETY_TTL_MS = Duration.ofMinutes(5).toMillis();
    private static final long MAX_SAFETY_TTL_MS = Duration.ofDays(30).toMillis();

    private final RedisCalls calls;
    private final Keys keys;

    RedisSessions(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
    }

    @Override
    public CompletionStage<Long> createSession(SessionRecord session, long expiresAtMillis) {
        return createSessionIfRoom(session, expiresAtMillis, 0);
    }

    /** The count check runs in the creating script: one round trip per connect (issue 16). */
    @Override
    public CompletionStage<Long> createSessionIfRoom(SessionRecord session, long expiresAtMillis, long maxSessions) {
        List<byte[]> args = new ArrayList<>();
        args.add(bytes(session.id()));
        args.add(bytes(Long.toString(expiresAtMillis)));
        args.add(safetyTtl(expiresAtMillis));
        args.add(bytes(session.secretHash()));
        args.add(bytes(session.namespace()));
        args.add(bytes(Long.toString(session.createdMillis())));
        args.add(bytes(Long.toString(maxSessions)));
        session.attributes().forEach((k, v) -> {
            args.add(bytes(k));
            args.add(bytes(v));
        });
        return calls.script(
                Script.CREATE_SESSION, r -> (Long) r < 0 ? -1L : calls.seen((Long) r), args.toArray(byte[][]::new));
    }

    @Override
    public CompletionStage<@Nullable SessionRecord> findSession(String id) {
        return calls.call(() -> calls.commands().hgetall(keys.session(id)), r -> record(id, Replies.strings(r)));
    }

    /** The record stored in a session hash, or {@code null} for an empty one. */
    static @Nullable SessionRecord record(String id, Map<String, String> fields) {
        if (fields.isEmpty()) {
            return null;
        }
        Map<String, String> attributes = new HashMap<>();
        fields.forEach((k, v) -> {
            if (k.startsWith("a:")) {
                attributes.put(k.substring(2), v);
            }
        });
        return new SessionRecord(
                id,
                fields.getOrDefault("h", ""),
                fields.getOrDefault("ns", "/"),
                Long.parseLong(fields.getOrDefault("cm", "0")),
                Long.parseLong(fields.getOrDefault("cp", "0")),
                Long.parseLong(fields.getOrDefault("cu", "0")),
                attributes);
    }

    @Override
    public CompletionStage<Void> touchSessions(Collection<String> ids, long expiresAtMillis) {
        List<String> all = List.copyOf(ids);
        if (all.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        byte[] expiresAt = bytes(Long.toString(expiresAtMillis));
        byte[] ttl = safetyTtl(expiresAtMillis);
        List<CompletableFuture<Object>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += TOUCH_CHUNK) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + TOUCH_CHUNK));
            List<byte[]> args = new ArrayList<>(chunk.size() + 2);
            args.add(expiresAt);
            args.add(ttl);
            chunk.forEach(id -> args.add(bytes(id)));
            chunks.add(calls.script(Script.TOUCH_SESSIONS, r -> r, args.toArray(byte[][]::new))
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new));
    }

    @Override
    public CompletionStage<List<String>> expiredSessions(long nowMillis, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        Range<Long> range = Range.from(Range.Boundary.unbounded(), Range.Boundary.including(nowMillis));
        return calls.call(
                () -> calls.commands().zrangebyscore(keys.expiry(), range, Limit.create(0, max)), Replies::stringList);
    }

    @Override
    public CompletionStage<Void> setCursor(String id, long position) {
        return calls.script(Script.SET_CURSOR, r -> null, bytes(id), bytes(Long.toString(position)));
    }

    @Override
    public CompletionStage<@Nullable RemovedSession> removeSession(String id, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        return calls.script(
                Script.REMOVE_SESSION,
                r -> {
                    List<Object> reply = Replies.list(r);
                    long position = Replies.number(reply.get(0));
                    if (position == 0) {
                        return null;
                    }
                    calls.seen(position);
                    SessionRecord record = record(id, Replies.pairs(Replies.list(reply.get(1))));
                    return new RemovedSession(
                            Objects.requireNonNull(record),
                            Replies.strings(Replies.list(reply.get(2))),
                            Replies.pairs(Replies.list(reply.get(3))),
                            position);
                },
                bytes(id),
                entry);
    }

    @Override
    public CompletionStage<Long> sessionCount() {
        return calls.call(() -> calls.commands().zcard(keys.expiry()), r -> r);
    }

    // -------------------------------------------------------------------------------- session data

    @Override
    public CompletionStage<@Nullable String> getData(String id, String key) {
        return calls.call(() -> calls.commands().hget(keys.sessionData(id), bytes(key)), Replies::stringOrNull);
    }

    @Override
    public CompletionStage<Map<String, String>> getAllData(String id) {
        return calls.call(() -> calls.commands().hgetall(keys.sessionData(id)), Replies::strings);
    }

    @Override
    public CompletionStage<Boolean> putData(String id, String key, @Nullable String value) {
        return calls.script(
                Script.PUT_DATA,
                r -> (Long) r == 1L,
                bytes(id),
                bytes(key),
                flag(value != null),
                bytes(value == null ? "" : value));
    }

    @Override
    public CompletionStage<Boolean> compareAndSetData(
            String id, String key, @Nullable String expected, @Nullable String update) {
        return calls.script(
                Script.CAS_DATA,
                r -> (Long) r == 1L,
                bytes(id),
                bytes(key),
                flag(expected != null),
                bytes(expected == null ? "" : expected),
                flag(update != null),
                bytes(update == null ? "" : update));
    }

    private static byte[] safetyTtl(long expiresAtMillis) {
        long left = Math.max(0, expiresAtMillis - System.currentTimeMillis());
        long ttl = left > MAX_SAFETY_TTL_MS / RedisBackend.SAFETY_TTL_FACTOR
                ? MAX_SAFETY_TTL_MS
                : left * RedisBackend.SAFETY_TTL_FACTOR;
        return bytes(Long.toString(Math.max(MIN_SAFETY_TTL_MS, ttl)));
    }
}
