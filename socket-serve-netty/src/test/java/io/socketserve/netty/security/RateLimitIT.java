package io.socketserve.netty.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Token-bucket limits under floods: events per session, new sessions per client address (the peer,
 * or the trusted proxy's forwarded address). Over a limit is {@code 429 rate_limited} with {@code
 * Retry-After}; nobody else is affected.
 */
class RateLimitIT {

    private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

    private final List<TestServer> servers = new ArrayList<>();
    private final AtomicInteger handled = new AtomicInteger();

    @AfterEach
    void stop() {
        servers.forEach(TestServer::close);
    }

    private TestServer server(java.util.function.UnaryOperator<io.socketserve.ServerOptions.Builder> options) {
        TestServer s = TestServer.start(options);
        s.server().on("e", (socket, data, ack) -> handled.incrementAndGet());
        servers.add(s);
        return s;
    }

    private static void assertRateLimited(HttpResult r) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(429);
        assertThat(r.error()).isEqualTo("rate_limited");
        assertThat(r.message()).isNotBlank();
        assertThat(r.header("Retry-After")).as("Retry-After of %s", r).isNotNull();
        assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 60L);
    }

    // --------------------------------------------------------------------------------- events

    @Test
    void sessionOverItsEventRateGets429WithRetryAfter() {
        TestServer s = server(o -> o.eventRateLimit(5, 10));
        TestClient flooder = s.connectedClient();

        List<HttpResult> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            answers.add(flooder.emit("e", i));
        }

        long ok = answers.stream().filter(r -> r.status() == 200).count();
        assertThat(ok).as("burst of 10 plus what refilled").isBetween(10L, 20L);
        answers.stream().filter(r -> r.status() != 200).forEach(RateLimitIT::assertRateLimited);
        assertThat(handled).as("refused events never reach the handler").hasValue((int) ok);
    }

    @Test
    void anotherSessionIsUnaffectedByAFlooder() {
        TestServer s = server(o -> o.eventRateLimit(5, 10));
        TestClient flooder = s.connectedClient();
        TestClient calm = s.streamingClient();
        s.server().on("echo", (socket, data, ack) -> socket.emit("echoed", data));
        for (int i = 0; i < 40; i++) {
            flooder.emit("e", i);
        }
        assertRateLimited(flooder.emit("e", "still flooding"));

        for (int i = 0; i < 10; i++) {
            assertThat(calm.emit("echo", i).status()).isEqualTo(200);
            assertThat(calm.awaitEvent("echoed").data().asInt()).isEqualTo(i);
        }
    }

    @Test
    void limitedSessionIsServedAgainAfterRetryAfter() {
        TestServer s = server(o -> o.eventRateLimit(20, 5));
        TestClient flooder = s.connectedClient();
        HttpResult limited = null;
        for (int i = 0; i < 20 && limited == null; i++) {
            HttpResult r = flooder.emit("e", i);
            limited = r.status() == 429 ? r : null;
        }
        assertThat(limited).isNotNull();
        long retryAfter = Long.parseLong(limited.header("Retry-After"));

        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(retryAfter + 2))
                .until(() -> flooder.emit("e", "again").status() == 200);
    }

    // ---------------------------------------------------------------------------- connections

    /** {@code count} POST /connect on {@code connections} keep-alive sockets, pipelined in batches. */
    private static int[] connectFlood(InetSocketAddress server, int count, int connections, String extraHeaders)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        LongAdder ok = new LongAdder();
        LongAdder limited = new LongAdder();
        LongAdder other = new LongAdder();
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int share = count / connections + (c < count % connections ? 1 : 0);
                all.add(pool.submit(() -> {
                    byte[] one = ("POST /socket/connect HTTP/1.1\r\nHost: flood\r\nContent-Length: 0\r\n" + extraHeaders
                                    + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII);
                    try (Socket socket = new Socket()) {
                        socket.connect(server, 5_000);
                        socket.setSoTimeout(10_000);
                        OutputStream out = socket.getOutputStream();
                        InputStream in = new BufferedInputStream(socket.getInputStream());
                        for (int done = 0; done < share; ) {
                            int batch = Math.min(50, share - done);
                            for (int i = 0; i < batch; i++) {
                                out.write(one);
                            }
                            out.flush();
                            for (int i = 0; i < batch; i++) {
                                HttpResult r = RawExchange.readResponse(in, false);
                                if (r.status() == 200) {
                                    ok.increment();
                                } else if (r.status() == 429
                                        && "rate_limited".equals(r.error())
                                        && r.header("Retry-After") != null) {
                                    limited.increment();
                                } else {
                                    other.increment();
                                }
                            }
                            done += batch;
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return new int[] {ok.intValue(), limited.intValue(), other.intValue()};
    }

    @Test
    void tenThousandConnectionAttemptsFromOneAddressAreCappedWhileTheServerStaysResponsive() throws Exception {
        TestServer s = server(o -> o); // the defaults: 50/s, burst 100
        s.server().on("echo", (socket, data, ack) -> socket.emit("echoed", data));
        TestClient existing = s.streamingClient();
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicLong slowest = new AtomicLong();
        AtomicInteger served = new AtomicInteger();
        ExecutorService side = Executors.newSingleThreadExecutor();
        Future<?> bystander = side.submit(() -> {
            for (int i = 0; flooding.get(); i++) {
                long t0 = System.nanoTime();
                assertThat(existing.emit("echo", i).status()).isEqualTo(200);
                assertThat(existing.awaitEvent("echoed").data().asInt()).isEqualTo(i);
                slowest.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                served.incrementAndGet();
            }
            return null;
        });

        long t0 = System.nanoTime();
        int[] outcome = connectFlood(s.address(), 10_000, 8, "");
        double seconds = (System.nanoTime() - t0) / 1e9;
        flooding.set(false);
        bystander.get(30, TimeUnit.SECONDS);
        side.shutdown();

        System.out.printf(
                "RateLimitIT: 10000 connects in %.1f s: %d accepted, %d limited, %d other; bystander"
                        + " served %d times, slowest %d ms%n",
                seconds, outcome[0], outcome[1], outcome[2], served.get(), slowest.get());
        assertThat(outcome[2]).as("answers other than 200 / 429").isZero();
        assertThat(outcome[0]).as("accepted: burst 100 + 50/s").isBetween(100, 100 + (int) (50 * seconds) + 10);
        assertThat(outcome[1]).as("limited").isGreaterThan(10_000 - 100 - (int) (50 * seconds) - 10);
        assertThat(served.get()).isPositive();
        assertThat(slowest.get()).as("slowest bystander round trip (ms)").isLessThan(2_000);
    }

    @Test
    void anotherAddressConnectsWhileOneIsLimited() throws Exception {
        TestServer s = server(o -> o.connectionRateLimit(1, 5));
        int[] outcome = connectFlood(s.address(), 50, 1, "");
        assertThat(outcome[1]).isGreaterThanOrEqualTo(40);

        RawExchange.Result other = RawExchange.send(
                s.address(),
                InetAddress.getByName("127.0.0.2"),
                "POST /socket/connect HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII),
                Duration.ofSeconds(5));

        assertThat(other.answered()).as("%s", other).isTrue();
        assertThat(other.response().status()).as("%s", other).isEqualTo(200);
    }

    // ------------------------------------------------------------------------ forwarded address

    private static String forwarded(String value) {
        return "X-Forwarded-For: " + value + "\r\n";
    }

    @Test
    void behindATrustedProxyLimitsApplyPerForwardedAddress() throws Exception {
        TestServer s = server(o -> o.connectionRateLimit(1, 3).clientAddressHeader("X-Forwarded-For"));

        int[] first = connectFlood(s.address(), 10, 1, forwarded("203.0.113.7"));
        int[] second = connectFlood(s.address(), 3, 1, forwarded("198.51.100.9"));

        assertThat(first[0]).as("accepted from 203.0.113.7").isBetween(3, 4);
        assertThat(first[1]).isGreaterThanOrEqualTo(6);
        assertThat(second[0]).as("accepted from 198.51.100.9").isEqualTo(3);
    }

    @Test
    void theForwardedAddressReachesTheMiddleware() throws Exception {
        TestServer s = server(o -> o.clientAddressHeader("X-Forwarded-For"));
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        s.server().use(handshake -> seen.add(handshake.remoteAddress()));

        connectFlood(s.address(), 1, 1, forwarded("203.0.113.7"));
        // a chain: the client sent the first address, the trusted proxy appended the last one
        connectFlood(s.address(), 1, 1, forwarded("198.51.100.9, 203.0.113.8"));

        assertThat(seen).containsExactly("203.0.113.7", "203.0.113.8");
    }

    @Test
    void withoutAConfiguredHeaderAForgedForwardedForChangesNothing() throws Exception {
        TestServer s = server(o -> o.connectionRateLimit(1, 3));
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        s.server().use(handshake -> seen.add(handshake.remoteAddress()));
        int accepted = 0;
        for (int i = 0; i < 10; i++) {
            accepted += connectFlood(s.address(), 1, 1, forwarded("198.51.100." + i))[0];
        }

        assertThat(accepted)
                .as("rotating X-Forwarded-For does not evade the limit")
                .isBetween(3, 4);
        assertThat(seen).allSatisfy(a -> assertThat(a).isEqualTo("127.0.0.1"));
    }

    @Test
    void behindAnAppendingProxyAClientSuppliedPrefixDoesNotEvadeTheLimit() throws Exception {
        TestServer s = server(o -> o.connectionRateLimit(1, 3).clientAddressHeader("X-Forwarded-For"));
        int accepted = 0;
        for (int i = 0; i < 10; i++) {
            // The client sent "X-Forwarded-For: 198.51.100.<i>"; the proxy appended the address it saw.
            accepted += connectFlood(s.address(), 1, 1, forwarded("198.51.100." + i + ", 203.0.113.7"))[0];
        }

        assertThat(accepted).as("connections accepted from 203.0.113.7").isBetween(3, 4);
    }
}
