package io.socketserve.demo.proxy;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.demo.DemoServer;
import io.socketserve.demo.TestHelpers;
import io.socketserve.redis.RedisBackend;
import io.socketserve.redis.RedisBackendOptions;
import io.socketserve.redis.testing.RedisServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ObjIntConsumer;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * Demo instances in this JVM ({@link DemoServer#start(ServerOptions, String, int)}: the real demo
 * with its handlers) on free loopback ports, sharing one real {@code redis-server}, configured as
 * {@code docs/deploy.md} says an instance behind a proxy should be ({@code clientAddressHeader}).
 * An instance can be killed, drained or restarted on the same port, as in a rolling deploy.
 */
final class DemoInstances implements AutoCloseable {

    /** Short, so that a test sees keepalive comments pass through the proxy within a second or two. */
    static final Duration KEEPALIVE = Duration.ofSeconds(1);

    final RedisServerProcess redis;
    private final List<DemoServer.@Nullable Running> running = new CopyOnWriteArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final List<AtomicInteger> events = new ArrayList<>();
    private final ObjIntConsumer<SocketServer> handlers;

    /** Starts {@code count} instances; {@code handlers} adds test handlers to instance i's server. */
    DemoInstances(int count, ObjIntConsumer<SocketServer> handlers) {
        this.handlers = handlers;
        this.redis = new RedisServerProcess().start();
        for (int i = 0; i < count; i++) {
            running.add(null);
            ports.add(0);
            events.add(new AtomicInteger());
            start(i);
        }
    }

    private void start(int i) {
        ServerOptions options = ServerOptions.builder()
                .backend(new RedisBackend(
                        RedisBackendOptions.builder().uri(redis.uri()).build()))
                .allowedOrigins(List.of("*"))
                .clientAddressHeader("X-Forwarded-For")
                .keepaliveInterval(KEEPALIVE)
                .build();
        DemoServer.Running r = DemoServer.start(options, "127.0.0.1", ports.get(i));
        AtomicInteger counter = events.get(i);
        r.server().useEvents((socket, event, data) -> counter.incrementAndGet());
        TestHelpers.register(r.server()); // echo and the other helper events the contract uses
        handlers.accept(r.server(), i);
        running.set(i, r);
        ports.set(i, r.port());
    }

    /** The instances' ports, in order (stable across restarts). */
    List<Integer> ports() {
        return List.copyOf(ports);
    }

    int size() {
        return ports.size();
    }

    /** Events handled by instance {@code i} since the test began (all its incarnations). */
    int eventsHandled(int i) {
        return events.get(i).get();
    }

    /** Instance {@code i}, or {@code null} while it is stopped. */
    DemoServer.@Nullable Running running(int i) {
        return running.get(i);
    }

    /** Event streams open on instance {@code i} now (0 when it is stopped). */
    int openStreams(int i) {
        DemoServer.Running r = running.get(i);
        return r == null ? 0 : r.http().openStreams();
    }

    /** The instances with at least one open stream. */
    List<Integer> withStreams() {
        return IntStream.range(0, size())
                .filter(i -> openStreams(i) > 0)
                .boxed()
                .toList();
    }

    /** Stops instance {@code i} abruptly: connections drop, nothing is handed over. */
    void kill(int i) {
        DemoServer.Running r = running.set(i, null);
        if (r != null) {
            r.http().halt(); // as a crash: no final frame, no answers
            r.server().close();
        }
    }

    /** Stops instance {@code i} as SIGTERM does ({@link DemoServer.Running#shutdownGracefully}). */
    boolean shutdownGracefully(int i, Duration timeout) {
        DemoServer.Running r = running.get(i);
        if (r == null) {
            return true;
        }
        boolean drained = r.shutdownGracefully(timeout);
        running.set(i, null);
        return drained;
    }

    /** Starts a new instance {@code i} on the port the old one had. */
    void restart(int i) {
        kill(i);
        start(i);
    }

    @Override
    public void close() {
        for (int i = 0; i < size(); i++) {
            kill(i);
        }
        redis.close();
    }
}
