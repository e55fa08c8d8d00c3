package io.socketserve.demo.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.redis.RedisBackend;
import io.socketserve.redis.RedisBackendOptions;
import io.socketserve.redis.testing.RedisServerProcess;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rate limits shared through Redis: a client that spreads its requests over two instances (a
 * round-robin load balancer does it for free) is limited at the same total rate as on one.
 */
class SharedRateLimitIT {

    private static final double RATE = 5;
    private static final int BURST = 10;

    @RegisterExtension
    static final RedisServerProcess redis = new RedisServerProcess();

    private final String prefix = "rl" + ThreadLocalRandom.current().nextInt(1_000_000);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final AtomicInteger handled = new AtomicInteger();
    private final URI a = instance();
    private final URI b = instance();

    private URI instance() {
        SocketServer server = SocketServer.create(ServerOptions.builder()
                .backend(new RedisBackend(RedisBackendOptions.builder()
                        .uri(redis.uri())
                        .keyPrefix(prefix)
                        .commandTimeout(Duration.ofSeconds(2))
                        .build()))
                .eventRateLimit(RATE, BURST)
                .connectionRateLimit(RATE, BURST)
                .build());
        server.on("e", (socket, data, ack) -> handled.incrementAndGet());
        EmbeddedServer http = EmbeddedServer.builder(server)
                .host("127.0.0.1")
                .port(0)
                .warmUp(0)
                .start();
        closeables.add(server);
        closeables.add(http);
        return URI.create("http://127.0.0.1:" + http.port() + "/socket");
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** Sends {@code count} events as fast as the answers come, alternating over {@code clients}. */
    private static Sent send(List<TestClient> clients, int count) {
        long t0 = System.nanoTime();
        int ok = 0;
        for (int i = 0; i < count; i++) {
            HttpResult r = clients.get(i % clients.size()).emit("e", i);
            if (r.status() == 200) {
                ok++;
            } else {
                assertThat(r.status()).as("%s", r).isEqualTo(429);
                assertThat(r.error()).isEqualTo("rate_limited");
                assertThat(r.header("Retry-After")).isNotNull();
            }
        }
        return new Sent(ok, (System.nanoTime() - t0) / 1e9);
    }

    private record Sent(int ok, double seconds) {
        int allowedAtMost() {
            return BURST + (int) Math.ceil(RATE * seconds) + 1;
        }
    }

    @Test
    void sessionAlternatingInstancesIsLimitedAtTheSameTotalRateAsOnOne() {
        TestClient onA = new TestClient(a);
        onA.connect();
        TestClient onB = onA.via(b);
        TestClient single = new TestClient(a);
        single.connect();

        Sent alternating = send(List.of(onA, onB), 60);
        Sent oneInstance = send(List.of(single), 60);

        System.out.printf(
                "SharedRateLimitIT: alternating %d ok in %.2f s; one instance %d ok in %.2f s%n",
                alternating.ok(), alternating.seconds(), oneInstance.ok(), oneInstance.seconds());
        assertThat(alternating.ok()).as("accepted over two instances").isBetween(BURST, alternating.allowedAtMost());
        assertThat(oneInstance.ok()).as("accepted on one instance").isBetween(BURST, oneInstance.allowedAtMost());
        assertThat(alternating.ok())
                .as("per-instance buckets would allow two bursts")
                .isLessThan(2 * BURST);
        assertThat(Math.abs(alternating.ok() - oneInstance.ok()))
                .isLessThanOrEqualTo(
                        (int) Math.ceil(RATE * Math.max(alternating.seconds(), oneInstance.seconds())) + 2);
        assertThat(handled.get()).isEqualTo(alternating.ok() + oneInstance.ok());
    }

    @Test
    void newSessionsFromOneAddressAreLimitedAcrossInstances() {
        long t0 = System.nanoTime();
        int accepted = 0;
        for (int i = 0; i < 40; i++) {
            HttpResult r = new TestClient(i % 2 == 0 ? a : b).rawPost("/connect", new byte[0], java.util.Map.of());
            if (r.status() == 200) {
                accepted++;
            } else {
                assertThat(r.status()).as("%s", r).isEqualTo(429);
                assertThat(r.header("Retry-After")).isNotNull();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(accepted).isBetween(BURST, BURST + (int) Math.ceil(RATE * seconds) + 1);
        assertThat(accepted).as("per-instance buckets would allow two bursts").isLessThan(2 * BURST);
    }

    @Test
    void oneSessionsLimitDoesNotTouchAnotherOnEitherInstance() {
        TestClient flooder = new TestClient(a);
        flooder.connect();
        send(List.of(flooder, flooder.via(b)), 40);
        TestClient calm = new TestClient(b);
        calm.connect();

        assertThat(send(List.of(calm, calm.via(a)), BURST).ok()).isEqualTo(BURST);
    }
}
