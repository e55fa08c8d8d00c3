package io.socketserve.redis.internal;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The Lua scripts of the backend, run with {@code EVALSHA}.
 *
 * <p>Order matters: the engine relies on operations issued from one thread taking effect in that
 * order, and Lettuce writes one connection's commands in order. A {@code NOSCRIPT} retry would break
 * that (the retry runs after commands issued later), so it is kept for the rare case only: after
 * every (re)connect the scripts are unknown to Redis until {@code SCRIPT LOAD} has answered, and
 * meanwhile every script is sent whole with {@code EVAL}, which needs no retry. The {@code NOSCRIPT}
 * fallback remains for a {@code SCRIPT FLUSH} behind our back.
 */
public final class Scripts implements RedisConnectionStateListener {

    /**
     * Every script; the ones marked {@code prelude} start with {@code prelude.lua}, the ones marked
     * {@code selects} continue with {@code select.lua} (the {@link io.socketserve.spi.Selection} rules).
     */
    public enum Script {
        APPEND("append", true, ScriptOutputType.INTEGER),
        READ("read", true, ScriptOutputType.MULTI),
        READ_BEFORE("read_before", true, ScriptOutputType.MULTI),
        CREATE_SESSION("create_session", true, ScriptOutputType.INTEGER),
        TOUCH_SESSIONS("touch_sessions", true, ScriptOutputType.INTEGER),
        SET_CURSOR("set_cursor", true, ScriptOutputType.INTEGER),
        REMOVE_SESSION("remove_session", true, ScriptOutputType.MULTI),
        JOIN("join", true, ScriptOutputType.MULTI),
        LEAVE("leave", true, ScriptOutputType.MULTI),
        MEMBERSHIP("membership", true, ScriptOutputType.MULTI),
        SESSION_MEMBERSHIP("session_membership", true, ScriptOutputType.MULTI),
        PUT_DATA("put_data", true, ScriptOutputType.INTEGER),
        CAS_DATA("cas_data", true, ScriptOutputType.INTEGER),
        PRESENCE_ENTER("presence_enter", true, ScriptOutputType.MULTI),
        PRESENCE_UPDATE("presence_update", true, ScriptOutputType.MULTI),
        PRESENCE_LEAVE("presence_leave", true, ScriptOutputType.MULTI),
        PRESENCE_REVIVE("presence_revive", true, ScriptOutputType.MULTI),
        PRESENCE_DROP("presence_drop", true, ScriptOutputType.MULTI),
        PRESENCE_REFRESH("presence_refresh", true, ScriptOutputType.MULTI),
        PRESENCE_OFFLINE_DUE("presence_offline_due", true, ScriptOutputType.MULTI),
        PRESENCE_READ("presence_read", true, ScriptOutputType.MULTI),
        // presence over several partitions (RedisPresence): one side per script
        PRESENCE_SESSION_ENTER("presence_session_enter", true, ScriptOutputType.MULTI),
        PRESENCE_SESSION_UPDATE("presence_session_update", true, ScriptOutputType.MULTI),
        PRESENCE_SESSION_LEAVE("presence_session_leave", true, ScriptOutputType.MULTI),
        PRESENCE_SESSION_REVIVE("presence_session_revive", true, ScriptOutputType.MULTI),
        PRESENCE_SESSION_DROP("presence_session_drop", true, ScriptOutputType.MULTI),
        PRESENCE_USER("presence_user", true, ScriptOutputType.INTEGER),
        PRESENCE_ROOMS("presence_rooms", true, ScriptOutputType.MULTI),
        SELECT_SESSIONS("select_sessions", true, true, ScriptOutputType.MULTI),
        SESSION_SNAPSHOTS("session_snapshots", true, ScriptOutputType.MULTI),
        JOIN_SELECTED("join_selected", true, true, ScriptOutputType.MULTI),
        LEAVE_SELECTED("leave_selected", true, true, ScriptOutputType.MULTI),
        REMOVE_SELECTED("remove_selected", true, true, ScriptOutputType.MULTI),
        // the batched operations of a partitioned log, one step per partition (RedisPartitionedBatches)
        SELECT_ROOMS("select_rooms", true, ScriptOutputType.MULTI),
        SELECT_LOCAL("select_local", true, true, ScriptOutputType.MULTI),
        JOIN_SESSIONS("join_sessions", true, ScriptOutputType.MULTI),
        JOIN_ROOMS("join_rooms", true, ScriptOutputType.MULTI),
        LEAVE_ROOMS("leave_rooms", true, ScriptOutputType.MULTI),
        SETTLE_SESSIONS("settle_sessions", true, ScriptOutputType.MULTI),
        REMOVE_SESSIONS("remove_sessions", true, ScriptOutputType.MULTI),
        UNLINK_ROOMS("unlink_rooms", true, ScriptOutputType.INTEGER),
        CLAIM_EVENT("claim_event", true, ScriptOutputType.MULTI),
        SETTLE_EVENT("settle_event", true, ScriptOutputType.INTEGER),
        APPEND_ONCE("append_once", true, ScriptOutputType.INTEGER),
        // a partitioned log (RedisBackendOptions.partitions > 1): sessions, membership, event ledger
        TOUCH_SESSIONS_SPLIT("touch_sessions", true, ScriptOutputType.MULTI),
        TOUCH_ROOMS("touch_rooms", true, ScriptOutputType.INTEGER),
        REMOVE_MEMBERS("remove_members", true, ScriptOutputType.INTEGER),
        JOIN_SESSION("join_session", true, ScriptOutputType.MULTI),
        JOIN_ROOM("join_room", true, ScriptOutputType.MULTI),
        LEAVE_ROOM("leave_room", true, ScriptOutputType.MULTI),
        LEAVE_SESSION("leave_session", true, ScriptOutputType.INTEGER),
        SESSION_ROOMS("session_rooms", true, ScriptOutputType.MULTI),
        PARTITION_VIEW("partition_view", true, ScriptOutputType.MULTI),
        APPEND_ONCE_AT("append_once_at", true, ScriptOutputType.INTEGER),
        KV_CAS("kv_cas", false, ScriptOutputType.INTEGER),
        RATE_LIMIT("rate_limit", false, ScriptOutputType.INTEGER);

        final String file;
        final boolean prelude;
        final boolean selects;
        final ScriptOutputType type;

        Script(String file, boolean prelude, ScriptOutputType type) {
            this(file, prelude, false, type);
        }

        Script(String file, boolean prelude, boolean selects, ScriptOutputType type) {
            this.file = file;
            this.prelude = prelude;
            this.selects = selects;
            this.type = type;
        }
    }

    private record Source(byte[] body, String sha) {}

    /** While the scripts are not loaded, a new {@link #load} is started at most this often. */
    static final long RELOAD_INTERVAL_MS = 1_000;

    private final Map<Script, Source> sources = new EnumMap<>(Script.class);
    private final RedisClusterAsyncCommands<byte[], byte[]> commands;
    private final Function<byte[], CompletionStage<?>> loader;
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicLong lastLoad = new AtomicLong(System.nanoTime());
    private volatile boolean loaded;

    public Scripts(RedisClusterAsyncCommands<byte[], byte[]> commands) {
        this(commands, commands::scriptLoad);
    }

    /**
     * Scripts run with {@code commands}, loaded with {@code loader} (a cluster loads them on every
     * node that is up, so that the master that owns the slot after a reshard or a failover knows
     * them). While they are not all loaded, scripts are sent whole ({@code EVAL}), and a new load
     * is tried at most every {@value #RELOAD_INTERVAL_MS} ms.
     */
    public Scripts(RedisClusterAsyncCommands<byte[], byte[]> commands, Function<byte[], CompletionStage<?>> loader) {
        this.commands = commands;
        this.loader = loader;
        String prelude = resource("prelude");
        String select = resource("select");
        for (Script s : Script.values()) {
            String text = (s.prelude ? prelude + "\n" : "") + (s.selects ? select + "\n" : "") + resource(s.file);
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            sources.put(s, new Source(body, sha1(body)));
        }
    }

    /** Loads every script; completes when Redis knows them all, from then on {@code EVALSHA} is used. */
    public CompletionStage<Void> load() {
        long at = epoch.get();
        lastLoad.set(System.nanoTime());
        List<CompletableFuture<?>> loads = new ArrayList<>();
        for (Source s : sources.values()) {
            loads.add(loader.apply(s.body).toCompletableFuture());
        }
        return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).thenRun(() -> {
            if (epoch.get() == at) {
                loaded = true;
            }
        });
    }

    /** Runs a script with {@code keys} and {@code args}; the stage completes on a Lettuce thread. */
    public <T> CompletionStage<T> run(Script script, byte[][] keys, byte[]... args) {
        Source source = sources.get(script);
        if (!loaded) {
            long last = lastLoad.get();
            if (System.nanoTime() - last > TimeUnit.MILLISECONDS.toNanos(RELOAD_INTERVAL_MS)
                    && lastLoad.compareAndSet(last, System.nanoTime())) {
                load(); // an earlier load failed (a node was down): try again
            }
            return commands.<T>eval(source.body, script.type, keys, args);
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        commands.<T>evalsha(source.sha, script.type, keys, args).whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else if (Failures.unwrap(error) instanceof RedisNoScriptException) {
                unloaded();
                load();
                commands.<T>eval(source.body, script.type, keys, args).whenComplete((v, e) -> {
                    if (e == null) {
                        result.complete(v);
                    } else {
                        result.completeExceptionally(e);
                    }
                });
            } else {
                result.completeExceptionally(error);
            }
        });
        return result;
    }

    private void unloaded() {
        epoch.incrementAndGet();
        loaded = false;
    }

    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
        unloaded(); // a Redis that comes back may have restarted with an empty script cache
    }

    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
        load();
    }

    private static String resource(String name) {
        String path = name + ".lua";
        try (InputStream in = Scripts.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
