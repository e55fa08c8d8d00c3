package io.socketserve.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 1,000 clients in one JVM (with the server) join a room and each receives 100 broadcasts, in order:
 * the clients share a handful of threads (no thread per client).
 */
class ScaleIT {

    private static final int CLIENTS = 1000;
    private static final int MESSAGES = 100;

    private TestServer server;
    private final List<SocketClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(SocketClient::disconnect);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aThousandClientsShareAFewThreads() {
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        server = new TestServer(o -> o.eventRateLimit(0, 1));
        AtomicIntegerArray next = new AtomicIntegerArray(CLIENTS);
        AtomicLong outOfOrder = new AtomicLong();
        AtomicLong received = new AtomicLong();
        long started = System.nanoTime();
        List<CompletableFuture<?>> joined = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            int k = i;
            SocketClient c =
                    SocketClient.connect(server.base(), ClientOptions.builder().build());
            c.on("n", (data, ack) -> {
                int expected = next.incrementAndGet(k);
                if (data.path("i").asInt() != expected) {
                    outOfOrder.incrementAndGet();
                }
                received.incrementAndGet();
            });
            clients.add(c);
            joined.add(c.emitWithAck("joinChannel", Map.of("channelName", "scale"), Duration.ofSeconds(60))
                    .toCompletableFuture());
        }
        CompletableFuture.allOf(joined.toArray(CompletableFuture[]::new)).join();
        long connectedMs = (System.nanoTime() - started) / 1_000_000;
        await().atMost(Duration.ofSeconds(30)).until(() -> clients.stream().allMatch(SocketClient::connected));
        long broadcastStart = System.nanoTime();
        for (int m = 1; m <= MESSAGES; m++) {
            server.server.to("channel:scale").emit("n", Map.of("i", m));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> received.get() == (long) CLIENTS * MESSAGES);
        long deliveredMs = (System.nanoTime() - broadcastStart) / 1_000_000;
        System.gc();
        Runtime rt = Runtime.getRuntime();
        long heapMb = (rt.totalMemory() - rt.freeMemory()) >> 20;
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        System.out.printf(
                "ScaleIT: %d clients connected and joined in %d ms; %d deliveries in %d ms;"
                        + " threads %d (before the server and clients: %d); heap used after GC %d MiB%n",
                CLIENTS, connectedMs, received.get(), deliveredMs, threads, threadsBefore, heapMb);
        assertThat(outOfOrder.get()).isZero();
        assertThat(threads).isLessThan(100);
    }
}
