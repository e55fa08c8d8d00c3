package io.socketserve.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.socketserve.redis.internal.Failures;
import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.LogRetention;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The one connection every part of {@link RedisBackend} issues its commands on, and how: {@link
 * #script} runs a Lua script (one {@code EVALSHA}) with the prelude's arguments, {@link #call} issues
 * a command, and both turn failures into {@link BackendUnavailableException}. It also owns the
 * connection's lifecycle ({@link #start}, {@link #close}) and the position floor ({@link #seen}).
 *
 * <p>The parts share it, and so share one connection: Lettuce writes one connection's commands in
 * order, which is how calls made from one thread take effect in that order across parts.
 */
final class RedisCalls {

    /** The most ids one script call takes; larger batches are sent as several scripts at once. */
    static final int TOUCH_CHUNK = 256;

    /**
     * The longest wait between two reconnect attempts. Lettuce's default (exponential, up to 30 s)
     * waited about 8 s after a 10 s outage before trying again; with full jitter under this cap the
     * first retry comes within 10 ms and every later one within half a second, at random, so an
     * instance serves again well within a second of Redis answering and instances do not retry in
     * step.
     */
    static final Duration RECONNECT_DELAY_MAX = Duration.ofMillis(500);

    /** Full jitter: attempt n waits a random time below min(10 ms × 2^(n-1), {@link #RECONNECT_DELAY_MAX}). */
    static Delay reconnectDelay() {
        return Delay.fullJitter(Duration.ZERO, RECONNECT_DELAY_MAX, 10, TimeUnit.MILLISECONDS);
    }

    private final RedisBackendOptions options;
    private final Keys keys;
    private final String where;
    private final AtomicLong floor = new AtomicLong();

    private @Nullable RedisClient client;
    private @Nullable ClientResources resources;
    private @Nullable StatefulRedisConnection<byte[], byte[]> connection;
    private @Nullable RedisAsyncCommands<byte[], byte[]> commands;
    private @Nullable Scripts scripts;
    private byte[] retention = bytes("1");
    private volatile boolean started;
    private volatile boolean closed;

    RedisCalls(RedisBackendOptions options) {
        this.options = options;
        this.keys = new Keys(options.keyPrefix());
        this.where = options.redactedUri();
    }

    RedisBackendOptions options() {
        return options;
    }

    Keys keys() {
        return keys;
    }

    /** The URI without its password, for messages. */
    String where() {
        return where;
    }

    /** Connects and loads the scripts; see {@link RedisBackend#start}. */
    synchronized CompletionStage<Void> start(LogRetention logRetention) {
        if (client != null || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        // "<max entries>:<max bytes>:<max age ms>", parsed by prelude.lua
        retention =
                bytes(logRetention.maxEntries() + ":" + logRetention.maxBytes() + ":" + logRetention.maxAgeMillis());
        ClientResources r = DefaultClientResources.builder()
                .reconnectDelay(reconnectDelay())
                .build();
        RedisClient c = RedisClient.create(r);
        resources = r;
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
                        c.shutdownAsync(0, 2, TimeUnit.SECONDS)
                                .whenComplete((v, e) -> r.shutdown(0, 2, TimeUnit.SECONDS));
                    }
                });
        return result;
    }

    /**
     * Marks the calls closed; what is left to release (the connection, Lettuce's threads), or {@code
     * null} if they were closed already.
     */
    synchronized @Nullable Runnable close() {
        if (closed) {
            return null;
        }
        closed = true;
        RedisClient c = client;
        ClientResources r = resources;
        StatefulRedisConnection<byte[], byte[]> conn = connection;
        return () -> {
            if (conn != null) {
                conn.close();
            }
            if (c != null) {
                c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            if (r != null) {
                // the client does not shut down resources it was given: their threads end here
                r.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
        };
    }

    /** Runs a prelude script: KEYS[1] the sequence (for routing), ARGV prefix, floor, retention, args… */
    <R, T> CompletionStage<T> script(Script script, Function<R, T> decode, byte[]... args) {
        byte[][] argv = new byte[args.length + 3][];
        argv[0] = keys.prefix();
        argv[1] = bytes(Long.toString(floor.get()));
        argv[2] = retention;
        System.arraycopy(args, 0, argv, 3, args.length);
        return call(() -> scripts().<R>run(script, new byte[][] {keys.seq()}, argv), decode);
    }

    /**
     * Issues a command and decodes its reply; failures become {@link BackendUnavailableException} as
     * documented on {@link Failures#translate}.
     */
    <R, T> CompletionStage<T> call(Supplier<CompletionStage<R>> command, Function<R, T> decode) {
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

    RedisAsyncCommands<byte[], byte[]> commands() {
        running();
        return Objects.requireNonNull(commands);
    }

    Scripts scripts() {
        running();
        return Objects.requireNonNull(scripts);
    }

    RedisClient running() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (!started) {
            throw new IllegalStateException("not started");
        }
        return Objects.requireNonNull(client);
    }

    /** Remembers the highest position seen, the floor that keeps positions increasing after data loss. */
    long seen(long position) {
        floor.accumulateAndGet(position, Math::max);
        return position;
    }

    /** A multi-bulk reply of strings. */
    static List<String> stringReplies(Object r) {
        List<Object> reply = Replies.list(r);
        List<String> out = new ArrayList<>(reply.size());
        for (Object o : reply) {
            out.add(Replies.string(o));
        }
        return out;
    }

    static byte[] flag(boolean set) {
        return bytes(set ? "1" : "0");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
