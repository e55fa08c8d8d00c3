package io.socketserve.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.socketserve.redis.internal.Failures;
import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.redis.internal.StreamSubscription;
import io.socketserve.redis.internal.VolatileChannel;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.JoinResult;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.LogSlice;
import io.socketserve.spi.LogSubscription;
import io.socketserve.spi.MembershipBatchResult;
import io.socketserve.spi.MembershipChange;
import io.socketserve.spi.MembershipSnapshot;
import io.socketserve.spi.PresenceMember;
import io.socketserve.spi.PresenceResult;
import io.socketserve.spi.RemovalBatchResult;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.Selection;
import io.socketserve.spi.SessionPresence;
import io.socketserve.spi.SessionRecord;
import io.socketserve.spi.SessionSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Backend} for many instances: sessions, rooms, session data, the log and the application
 * key/values live in one Redis that every instance shares.
 *
 * <pre>{@code
 * Backend backend = new RedisBackend(RedisBackendOptions.of("redis://redis.internal:6379"));
 * }</pre>
 *
 * <h2>How it works</h2>
 *
 * <p>The log is a Redis Stream whose entry ids are {@code 0-<position>}, positions coming from a
 * counter, so that they stay small integers. Every operation that must be atomic is one Lua script
 * (one {@code EVALSHA}); an {@link #append} is one command whatever the size of the room it is for.
 * Each {@link #subscribe} gets a dedicated connection and a daemon thread running {@code XREAD
 * BLOCK}. Every session key carries a safety TTL of {@value #SAFETY_TTL_FACTOR} times the time to the
 * session's expiry (at least five minutes), refreshed by {@link #touchSessions}, so that a cluster that
 * died leaves nothing behind for ever. {@code docs/scaling.md} has the key layout.
 *
 * <h2>Lifecycle and failures</h2>
 *
 * <p><em>new</em> → {@link #start} → <em>running</em> → {@link #close} → <em>closed</em>. {@link #start}
 * fails with {@link BackendUnavailableException} naming the URI (never the password) when Redis
 * cannot be reached within the connect timeout. While running, an operation fails at once with
 * {@link BackendUnavailableException} when the connection is down (commands are rejected, not
 * buffered), after {@link RedisBackendOptions#commandTimeout()} when Redis does not answer, and when
 * more than {@link RedisBackendOptions#maxPendingCommands()} commands await an answer. Lettuce
 * reconnects by itself; operations then work again and subscriptions resume where they were.
 *
 * <p>Stages complete on Lettuce's I/O threads: dependent actions must not block.
 */
public final class RedisBackend implements Backend {

    /** A session's keys expire after this many times the time left to its expiry. */
    public static final int SAFETY_TTL_FACTOR = 10;

    private static final long MIN_SAFETY_TTL_MS = Duration.ofMinutes(5).toMillis();
    private static final long MAX_SAFETY_TTL_MS = Duration.ofDays(30).toMillis();
    private static final int TOUCH_CHUNK = 256;

    private final RedisBackendOptions options;
    private final Keys keys;
    private final String where;
    private final AtomicLong floor = new AtomicLong();
    private final Set<StreamSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final Set<VolatileChannel> volatileChannels = ConcurrentHashMap.newKeySet();

    private @Nullable RedisClient client;
    private @Nullable StatefulRedisConnection<byte[], byte[]> connection;
    private @Nullable RedisAsyncCommands<byte[], byte[]> commands;
    private @Nullable Scripts scripts;
    private byte[] maxLen = bytes("1");
    private volatile boolean started;
    private volatile boolean closed;

    public RedisBackend(RedisBackendOptions options) {
        this.options = Objects.requireNonNull(options, "options == null");
        this.keys = new Keys(options.keyPrefix());
        this.where = options.redactedUri();
    }

    /** A backend on {@code uri} with every other option at its default. */
    public static RedisBackend create(String uri) {
        return new RedisBackend(RedisBackendOptions.of(uri));
    }

    public RedisBackendOptions options() {
        return options;
    }

    @Override
    public synchronized CompletionStage<Void> start(int maxLogEntries) {
        if (maxLogEntries < 1) {
            throw new IllegalArgumentException("maxLogEntries < 1: " + maxLogEntries);
        }
        if (client != null || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        maxLen = bytes(Integer.toString(maxLogEntries));
        RedisClient c = RedisClient.create();
        c.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(options.maxPendingCommands())
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(options.connectTimeout())
                        .keepAlive(true)
                        .build())
                .timeoutOptions(TimeoutOptions.builder()
                        .timeoutCommands(true)
                        .connectionTimeout()
                        .build())
                .build());
        client = c;
        CompletableFuture<Void> result = new CompletableFuture<>();
        c.connectAsync(ByteArrayCodec.INSTANCE, options.redisUri())
                .thenCompose(conn -> {
                    synchronized (this) {
                        connection = conn;
                        commands = conn.async();
                        scripts = new Scripts(conn.async());
                    }
                    conn.addListener(scripts);
                    return scripts.load();
                })
                .whenComplete((ok, error) -> {
                    if (error == null) {
                        started = true;
                        result.complete(null);
                    } else {
                        result.completeExceptionally(new BackendUnavailableException(
                                "Cannot reach Redis at " + where + ": "
                                        + Failures.unwrap(error).getMessage(),
                                Failures.unwrap(error)));
                        // on a Lettuce thread here: a blocking shutdown would wait for this very thread
                        synchronized (this) {
                            closed = true;
                        }
                        c.shutdownAsync(0, 2, TimeUnit.SECONDS);
                    }
                });
        return result;
    }

    // ----------------------------------------------------------------------------------------- log

    @Override
    public CompletionStage<Long> append(byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        return script(Script.APPEND, r -> seen((Long) r), entry);
    }

    @Override
    public CompletionStage<LogSlice> read(long afterPosition, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        return script(
                Script.READ,
                r -> {
                    List<Object> reply = Replies.list(r);
                    List<LogRecord> records = new ArrayList<>((reply.size() - 2) / 2);
                    for (int i = 2; i + 1 < reply.size(); i += 2) {
                        records.add(new LogRecord(
                                Replies.position(Replies.string(reply.get(i))), (byte[]) reply.get(i + 1)));
                    }
                    long head = seen(Replies.number(reply.get(0)));
                    return new LogSlice(records, Replies.number(reply.get(1)), head);
                },
                bytes(Long.toString(Math.max(0, afterPosition))),
                bytes(Integer.toString(max)));
    }

    /** One {@code XREVRANGE … COUNT max} (in the script that also reads head and oldest). */
    @Override
    public CompletionStage<LogSlice> readBefore(long beforePosition, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        return script(
                Script.READ_BEFORE,
                r -> {
                    List<Object> reply = Replies.list(r);
                    List<LogRecord> records = new ArrayList<>((reply.size() - 2) / 2);
                    for (int i = reply.size() - 2; i >= 2; i -= 2) { // newest first: reverse into log order
                        records.add(new LogRecord(
                                Replies.position(Replies.string(reply.get(i))), (byte[]) reply.get(i + 1)));
                    }
                    long head = seen(Replies.number(reply.get(0)));
                    return new LogSlice(records, Replies.number(reply.get(1)), head);
                },
                // positions are far below 2^53, so Lua's numbers hold them exactly
                bytes(Long.toString(Math.max(0, Math.min(beforePosition, 1L << 53)))),
                bytes(Integer.toString(max)));
    }

    @Override
    public CompletionStage<Long> head() {
        return call(() -> commands().get(keys.seq()), r -> r == null ? 0L : seen(Long.parseLong(Replies.string(r))));
    }

    @Override
    public LogSubscription subscribe(long afterPosition, LogListener listener) {
        Objects.requireNonNull(listener, "listener == null");
        RedisClient c = running();
        RedisURI uri = options.redisUri();
        StreamSubscription[] self = new StreamSubscription[1];
        self[0] = new StreamSubscription(
                c,
                uri,
                options.commandTimeout(),
                keys.log(),
                afterPosition,
                listener,
                this::seen,
                () -> subscriptions.remove(self[0]),
                where);
        subscriptions.add(self[0]);
        VolatileChannel volatiles = VolatileChannel.open(c, uri, keys.volatileChannel(), listener);
        volatileChannels.add(volatiles);
        LogSubscription stream = self[0].start();
        return () -> {
            volatileChannels.remove(volatiles);
            volatiles.close();
            stream.close();
        };
    }

    // ------------------------------------------------------------------------------------ volatile

    @Override
    public CompletionStage<Void> publishVolatile(byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        return call(() -> commands().publish(keys.volatileChannel(), entry), r -> null);
    }

    // ------------------------------------------------------------------------------------ presence

    private static final PresenceResult.Status[] PRESENCE_STATUS = {
        PresenceResult.Status.JOINED,
        PresenceResult.Status.UPDATED,
        PresenceResult.Status.UNCHANGED,
        PresenceResult.Status.LEFT,
        PresenceResult.Status.NOT_TRACKED,
        PresenceResult.Status.USER_MISMATCH,
        PresenceResult.Status.RETRY,
        PresenceResult.Status.NO_SESSION,
        PresenceResult.Status.LAPSED
    };

    private PresenceResult presenceResult(Object r) {
        List<Object> reply = Replies.list(r);
        PresenceResult.Status status = PRESENCE_STATUS[(int) Replies.number(reply.get(0))];
        return reply.size() > 1
                ? PresenceResult.appended(status, seen(Replies.number(reply.get(1))))
                : PresenceResult.of(status);
    }

    private static byte[][] withEntries(Map<String, byte[]> entries, byte[]... first) {
        byte[][] args = new byte[first.length + entries.size() * 2][];
        System.arraycopy(first, 0, args, 0, first.length);
        int i = first.length;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            args[i++] = bytes(e.getKey());
            args[i++] = Objects.requireNonNull(e.getValue(), "entry == null");
        }
        return args;
    }

    @Override
    public CompletionStage<PresenceResult> presenceEnter(
            String id,
            String room,
            String user,
            String state,
            long liveUntilMillis,
            byte[] joinEntry,
            byte @Nullable [] updateEntry) {
        Objects.requireNonNull(joinEntry, "joinEntry == null");
        return script(
                Script.PRESENCE_ENTER,
                this::presenceResult,
                bytes(id),
                bytes(room),
                bytes(user),
                bytes(state),
                bytes(Long.toString(liveUntilMillis)),
                joinEntry,
                updateEntry == null ? new byte[0] : updateEntry);
    }

    @Override
    public CompletionStage<PresenceResult> presenceRevive(
            String id, Map<String, byte[]> joinEntries, long liveUntilMillis) {
        return script(
                Script.PRESENCE_REVIVE,
                this::presenceResult,
                withEntries(joinEntries, bytes(id), bytes(Long.toString(liveUntilMillis))));
    }

    @Override
    public CompletionStage<PresenceResult> presenceUpdate(String id, String room, String state, byte[] updateEntry) {
        Objects.requireNonNull(updateEntry, "updateEntry == null");
        return script(Script.PRESENCE_UPDATE, this::presenceResult, bytes(id), bytes(room), bytes(state), updateEntry);
    }

    @Override
    public CompletionStage<PresenceResult> presenceLeave(String id, String room, byte[] leaveEntry) {
        Objects.requireNonNull(leaveEntry, "leaveEntry == null");
        return script(Script.PRESENCE_LEAVE, this::presenceResult, bytes(id), bytes(room), leaveEntry);
    }

    @Override
    public CompletionStage<@Nullable SessionPresence> sessionPresence(String id) {
        return script(
                Script.PRESENCE_READ,
                r -> {
                    List<Object> reply = Replies.list(r);
                    if (Replies.number(reply.get(0)) == 0) {
                        return null;
                    }
                    return new SessionPresence(
                            Replies.string(reply.get(1)),
                            Replies.pairs(Replies.list(reply.get(2))),
                            Replies.number(reply.get(3)) == 1);
                },
                bytes("s"),
                bytes(id));
    }

    @Override
    public CompletionStage<List<String>> presenceRefresh(Collection<String> ids, long liveUntilMillis) {
        List<String> all = List.copyOf(ids);
        if (all.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        // In chunks, like touchSessions: one script never blocks Redis for long.
        byte[] until = bytes(Long.toString(liveUntilMillis));
        List<CompletableFuture<List<String>>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += TOUCH_CHUNK) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + TOUCH_CHUNK));
            byte[][] args = new byte[chunk.size() + 1][];
            args[0] = until;
            int i = 1;
            for (String id : chunk) {
                args[i++] = bytes(id);
            }
            chunks.add(script(Script.PRESENCE_REFRESH, RedisBackend::stringReplies, args)
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> lapsed = new ArrayList<>();
            chunks.forEach(c -> lapsed.addAll(c.join()));
            return lapsed;
        });
    }

    @Override
    public CompletionStage<List<String>> presenceLapsed(long nowMillis, int max) {
        Range<Long> range = Range.create(Long.MIN_VALUE, nowMillis);
        return call(
                () -> commands().zrangebyscore(keys.presenceLive(), range, Limit.create(0, max)), Replies::stringList);
    }

    @Override
    public CompletionStage<PresenceResult> presenceDrop(
            String id, Map<String, byte[]> leaveEntries, long nowMillis, long offlineGraceMillis) {
        return script(
                Script.PRESENCE_DROP,
                this::presenceResult,
                withEntries(
                        leaveEntries,
                        bytes(id),
                        bytes(Long.toString(nowMillis)),
                        bytes(Long.toString(offlineGraceMillis))));
    }

    @Override
    public CompletionStage<List<String>> presenceOfflineDue(long nowMillis, int max) {
        // Every instance asks several times per heartbeat: a plain read first, the claiming script
        // only when someone is due.
        Range<Long> due = Range.create(Long.MIN_VALUE, nowMillis);
        return call(() -> commands().zrangebyscore(keys.presenceOffline(), due, Limit.create(0, 1)), r -> r)
                .thenCompose(first ->
                        first.isEmpty() ? CompletableFuture.completedFuture(List.of()) : claimOffline(nowMillis, max));
    }

    private CompletionStage<List<String>> claimOffline(long nowMillis, int max) {
        return script(
                Script.PRESENCE_OFFLINE_DUE,
                RedisBackend::stringReplies,
                bytes(Long.toString(nowMillis)),
                bytes(Integer.toString(max)));
    }

    @Override
    public CompletionStage<List<PresenceMember>> presenceMembers(String room) {
        return script(
                Script.PRESENCE_READ,
                r -> {
                    List<Object> reply = Replies.list(r);
                    Map<String, String> counts = Replies.pairs(Replies.list(reply.get(0)));
                    Map<String, String> states = Replies.pairs(Replies.list(reply.get(1)));
                    List<PresenceMember> out = new ArrayList<>(counts.size());
                    counts.forEach((user, n) ->
                            out.add(new PresenceMember(user, states.getOrDefault(user, "null"), Integer.parseInt(n))));
                    return out;
                },
                bytes("r"),
                bytes(room));
    }

    @Override
    public CompletionStage<Long> presenceCount(String room) {
        return call(() -> commands().hlen(keys.presenceUsers(room)), r -> r);
    }

    private static List<String> stringReplies(Object r) {
        List<Object> reply = Replies.list(r);
        List<String> out = new ArrayList<>(reply.size());
        for (Object o : reply) {
            out.add(Replies.string(o));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------ sessions

    @Override
    public CompletionStage<Long> createSession(SessionRecord session, long expiresAtMillis) {
        List<byte[]> args = new ArrayList<>();
        args.add(bytes(session.id()));
        args.add(bytes(Long.toString(expiresAtMillis)));
        args.add(safetyTtl(expiresAtMillis));
        args.add(bytes(session.secretHash()));
        args.add(bytes(session.namespace()));
        args.add(bytes(Long.toString(session.createdMillis())));
        session.attributes().forEach((k, v) -> {
            args.add(bytes(k));
            args.add(bytes(v));
        });
        return script(Script.CREATE_SESSION, r -> seen((Long) r), args.toArray(byte[][]::new));
    }

    @Override
    public CompletionStage<@Nullable SessionRecord> findSession(String id) {
        return call(() -> commands().hgetall(keys.session(id)), r -> record(id, Replies.strings(r)));
    }

    private static @Nullable SessionRecord record(String id, Map<String, String> fields) {
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
            chunks.add(script(Script.TOUCH_SESSIONS, r -> r, args.toArray(byte[][]::new))
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
        return call(() -> commands().zrangebyscore(keys.expiry(), range, Limit.create(0, max)), Replies::stringList);
    }

    @Override
    public CompletionStage<Void> setCursor(String id, long position) {
        return script(Script.SET_CURSOR, r -> null, bytes(id), bytes(Long.toString(position)));
    }

    @Override
    public CompletionStage<@Nullable RemovedSession> removeSession(String id, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        return script(
                Script.REMOVE_SESSION,
                r -> {
                    List<Object> reply = Replies.list(r);
                    long position = Replies.number(reply.get(0));
                    if (position == 0) {
                        return null;
                    }
                    seen(position);
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
        return call(() -> commands().zcard(keys.expiry()), r -> r);
    }

    // ---------------------------------------------------------------------------------- membership

    @Override
    public CompletionStage<JoinResult> join(String id, String room, int maxRooms, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        return script(Script.JOIN, this::joinResult, bytes(id), bytes(room), bytes(Integer.toString(maxRooms)), entry);
    }

    @Override
    public CompletionStage<JoinResult> leave(String id, String room, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        return script(Script.LEAVE, this::joinResult, bytes(id), bytes(room), entry);
    }

    private JoinResult joinResult(Object r) {
        List<Object> reply = Replies.list(r);
        switch ((int) Replies.number(reply.get(0))) {
            case 0:
                return JoinResult.changed(seen(Replies.number(reply.get(1))));
            case 1:
                return JoinResult.of(JoinResult.Status.UNCHANGED);
            case 2:
                return JoinResult.of(JoinResult.Status.LIMIT_REACHED);
            default:
                return JoinResult.of(JoinResult.Status.NO_SESSION);
        }
    }

    @Override
    public CompletionStage<MembershipSnapshot> membership(String id) {
        return script(
                Script.MEMBERSHIP,
                r -> {
                    List<Object> reply = Replies.list(r);
                    if (Replies.number(reply.get(0)) == 0) {
                        return MembershipSnapshot.missing();
                    }
                    return new MembershipSnapshot(
                            true, Replies.strings(Replies.list(reply.get(2))), Replies.number(reply.get(1)));
                },
                bytes(id));
    }

    @Override
    public CompletionStage<Set<String>> roomMembers(String room) {
        return call(() -> commands().smembers(keys.room(room)), Replies::strings);
    }

    @Override
    public CompletionStage<Long> roomSize(String room) {
        return call(() -> commands().scard(keys.room(room)), r -> r);
    }

    // ------------------------------------------------------------------------------------- batched
    //
    // Each batched operation is one script over the selection (select.lua): one EVALSHA whatever the
    // number of sessions; sessionSnapshots is one script per 256 ids, all sent at once.

    @Override
    public CompletionStage<List<String>> selectSessions(Selection selection) {
        List<byte[]> args = selectionArgs(selection);
        return script(Script.SELECT_SESSIONS, r -> stringReplies(Replies.list(r).get(1)), args.toArray(byte[][]::new));
    }

    @Override
    public CompletionStage<List<SessionSnapshot>> sessionSnapshots(Collection<String> ids) {
        List<String> all = List.copyOf(new java.util.LinkedHashSet<>(ids));
        if (all.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        // In chunks, like touchSessions: one script never blocks Redis for long. All chunks are
        // written at once (one flush of the connection), so this is still one round trip.
        List<CompletableFuture<List<SessionSnapshot>>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += TOUCH_CHUNK) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + TOUCH_CHUNK));
            byte[][] args = new byte[chunk.size()][];
            for (int i = 0; i < args.length; i++) {
                args[i] = bytes(chunk.get(i));
            }
            chunks.add(script(Script.SESSION_SNAPSHOTS, RedisBackend::snapshots, args)
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<SessionSnapshot> out = new ArrayList<>();
            chunks.forEach(c -> out.addAll(c.join()));
            return out;
        });
    }

    private static List<SessionSnapshot> snapshots(Object r) {
        List<Object> reply = Replies.list(r);
        List<SessionSnapshot> out = new ArrayList<>(reply.size() / 4);
        for (int i = 0; i + 3 < reply.size(); i += 4) {
            String id = Replies.string(reply.get(i));
            out.add(new SessionSnapshot(
                    Objects.requireNonNull(record(id, Replies.pairs(Replies.list(reply.get(i + 1))))),
                    Replies.strings(Replies.list(reply.get(i + 2))),
                    Replies.pairs(Replies.list(reply.get(i + 3)))));
        }
        return out;
    }

    @Override
    public CompletionStage<MembershipBatchResult> joinSelected(
            Selection selection, List<String> rooms, int maxRooms, byte[] entryPrefix) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        List<byte[]> args = selectionArgs(selection);
        args.add(bytes(Integer.toString(maxRooms)));
        args.add(entryPrefix);
        rooms.forEach(room -> args.add(bytes(room)));
        return script(Script.JOIN_SELECTED, r -> membershipBatch(r, true), args.toArray(byte[][]::new));
    }

    @Override
    public CompletionStage<MembershipBatchResult> leaveSelected(
            Selection selection, List<String> rooms, byte[] entryPrefix) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        List<byte[]> args = selectionArgs(selection);
        args.add(entryPrefix);
        rooms.forEach(room -> args.add(bytes(room)));
        return script(Script.LEAVE_SELECTED, r -> membershipBatch(r, false), args.toArray(byte[][]::new));
    }

    private MembershipBatchResult membershipBatch(Object r, boolean joined) {
        List<Object> reply = Replies.list(r);
        long position = Replies.number(reply.get(0));
        if (position > 0) {
            seen(position);
        }
        List<Object> pairs = Replies.list(reply.get(2));
        List<MembershipChange> changes = new ArrayList<>(pairs.size() / 2);
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            changes.add(new MembershipChange(Replies.string(pairs.get(i)), Replies.string(pairs.get(i + 1)), joined));
        }
        List<String> skipped = reply.size() > 3 ? stringReplies(reply.get(3)) : List.of();
        return new MembershipBatchResult(changes, skipped, position, Replies.number(reply.get(1)) == 1);
    }

    @Override
    public CompletionStage<RemovalBatchResult> removeSelected(Selection selection, byte[] entryPrefix, String reason) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        Objects.requireNonNull(reason, "reason == null");
        List<byte[]> args = selectionArgs(selection);
        args.add(entryPrefix);
        args.add(bytes(reason));
        return script(
                Script.REMOVE_SELECTED,
                r -> {
                    List<Object> reply = Replies.list(r);
                    long position = Replies.number(reply.get(0));
                    if (position > 0) {
                        seen(position);
                    }
                    List<RemovedSession> removed = new ArrayList<>(reply.size() - 2);
                    for (int i = 2; i < reply.size(); i++) {
                        List<Object> one = Replies.list(reply.get(i));
                        String id = Replies.string(one.get(0));
                        removed.add(new RemovedSession(
                                Objects.requireNonNull(record(id, Replies.pairs(Replies.list(one.get(1))))),
                                Replies.strings(Replies.list(one.get(2))),
                                Replies.pairs(Replies.list(one.get(3))),
                                position));
                    }
                    return new RemovalBatchResult(removed, position, Replies.number(reply.get(1)) == 1);
                },
                args.toArray(byte[][]::new));
    }

    /** A selection as select.lua reads it: namespace, max, three counts, then the three lists. */
    private static List<byte[]> selectionArgs(Selection s) {
        List<byte[]> args = new ArrayList<>(
                5 + s.rooms().size() + s.exceptRooms().size() + s.exceptIds().size() + 8);
        args.add(bytes(s.namespace()));
        args.add(bytes(Integer.toString(s.max())));
        args.add(bytes(Integer.toString(s.rooms().size())));
        args.add(bytes(Integer.toString(s.exceptRooms().size())));
        args.add(bytes(Integer.toString(s.exceptIds().size())));
        s.rooms().forEach(room -> args.add(bytes(room)));
        s.exceptRooms().forEach(room -> args.add(bytes(room)));
        s.exceptIds().forEach(id -> args.add(bytes(id)));
        return args;
    }

    // -------------------------------------------------------------------------------- session data

    @Override
    public CompletionStage<@Nullable String> getData(String id, String key) {
        return call(() -> commands().hget(keys.sessionData(id), bytes(key)), Replies::stringOrNull);
    }

    @Override
    public CompletionStage<Map<String, String>> getAllData(String id) {
        return call(() -> commands().hgetall(keys.sessionData(id)), Replies::strings);
    }

    @Override
    public CompletionStage<Boolean> putData(String id, String key, @Nullable String value) {
        return script(
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
        return script(
                Script.CAS_DATA,
                r -> (Long) r == 1L,
                bytes(id),
                bytes(key),
                flag(expected != null),
                bytes(expected == null ? "" : expected),
                flag(update != null),
                bytes(update == null ? "" : update));
    }

    // ----------------------------------------------------------------------------------- key/value

    @Override
    public CompletionStage<@Nullable String> kvGet(String key) {
        return call(() -> commands().get(keys.kv(key)), Replies::stringOrNull);
    }

    @Override
    public CompletionStage<Boolean> kvCompareAndSet(
            String key, @Nullable String expected, @Nullable String update, long ttlMillis) {
        return call(
                () -> scripts()
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
            return call(() -> commands().del(keys.kv(key)), r -> null);
        }
        return call(
                () -> ttlMillis > 0
                        ? commands().set(keys.kv(key), bytes(value), SetArgs.Builder.px(ttlMillis))
                        : commands().set(keys.kv(key), bytes(value)),
                r -> null);
    }

    // -------------------------------------------------------------------------------- rate limiting

    /** One script run on a bucket hash that expires once it would be full again. */
    @Override
    public CompletionStage<Long> tryAcquire(String key, double ratePerSecond, int burst, long nowMillis) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("ratePerSecond must be positive: " + ratePerSecond);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst < 1: " + burst);
        }
        return call(
                () -> scripts()
                        .<Long>run(
                                Script.RATE_LIMIT,
                                new byte[][] {keys.rateLimit(key)},
                                bytes(Double.toString(ratePerSecond)),
                                bytes(Integer.toString(burst)),
                                bytes(Long.toString(nowMillis))),
                r -> r);
    }

    // ------------------------------------------------------------------------------------- closing

    /** Stops every subscription and releases the connections and Lettuce's threads. Idempotent. */
    @Override
    public void close() {
        RedisClient c;
        StatefulRedisConnection<byte[], byte[]> conn;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            c = client;
            conn = connection;
        }
        new ArrayList<>(volatileChannels).forEach(VolatileChannel::close);
        volatileChannels.clear();
        List<StreamSubscription> subs = new ArrayList<>(subscriptions);
        subs.forEach(StreamSubscription::close);
        for (StreamSubscription s : subs) {
            try {
                s.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (conn != null) {
            conn.close();
        }
        if (c != null) {
            c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Override
    public String toString() {
        return "RedisBackend{" + where + ", prefix " + keys.prefixString() + "}";
    }

    // ------------------------------------------------------------------------------------- helpers

    /** Runs a prelude script: KEYS[1] the sequence (for routing), ARGV prefix, floor, MAXLEN, args… */
    private <R, T> CompletionStage<T> script(Script script, Function<R, T> decode, byte[]... args) {
        byte[][] argv = new byte[args.length + 3][];
        argv[0] = keys.prefix();
        argv[1] = bytes(Long.toString(floor.get()));
        argv[2] = maxLen;
        System.arraycopy(args, 0, argv, 3, args.length);
        return call(() -> scripts().<R>run(script, new byte[][] {keys.seq()}, argv), decode);
    }

    /**
     * Issues a command and decodes its reply; failures become {@link BackendUnavailableException} as
     * documented on {@link Failures#translate}.
     */
    private <R, T> CompletionStage<T> call(Supplier<CompletionStage<R>> command, Function<R, T> decode) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletionStage<R> stage;
        try {
            stage = command.get();
        } catch (RuntimeException e) {
            result.completeExceptionally(Failures.translate(e, where));
            return result;
        }
        stage.whenComplete((reply, error) -> {
            if (error != null) {
                result.completeExceptionally(Failures.translate(error, where));
                return;
            }
            try {
                result.complete(decode.apply(reply));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private RedisAsyncCommands<byte[], byte[]> commands() {
        running();
        return Objects.requireNonNull(commands);
    }

    private Scripts scripts() {
        running();
        return Objects.requireNonNull(scripts);
    }

    private RedisClient running() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (!started) {
            throw new IllegalStateException("not started");
        }
        return Objects.requireNonNull(client);
    }

    /** Remembers the highest position seen, the floor that keeps positions increasing after data loss. */
    private long seen(long position) {
        floor.accumulateAndGet(position, Math::max);
        return position;
    }

    private static byte[] safetyTtl(long expiresAtMillis) {
        long left = Math.max(0, expiresAtMillis - System.currentTimeMillis());
        long ttl = left > MAX_SAFETY_TTL_MS / SAFETY_TTL_FACTOR ? MAX_SAFETY_TTL_MS : left * SAFETY_TTL_FACTOR;
        return bytes(Long.toString(Math.max(MIN_SAFETY_TTL_MS, ttl)));
    }

    private static byte[] flag(boolean set) {
        return bytes(set ? "1" : "0");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
