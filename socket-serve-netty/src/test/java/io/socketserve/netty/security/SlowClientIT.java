package io.socketserve.netty.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.socketserve.netty.testing.StalledStream;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that are slow on purpose: slowloris (requests that never finish arriving) and streams that
 * are never read. The first are closed after the request timeout; the second are cut off when their
 * buffer fills, and the server's memory stays bounded while they hang on. {@code SlowConsumerIT}
 * covers one stalled stream and its resume; this adds many at once and the memory they may cost.
 */
class SlowClientIT {

    private static final int REQUEST_TIMEOUT_MILLIS = 500;
    private static final int STREAM_BUFFER = 64 * 1024;

    private final TestServer s = TestServer.start(
            o -> o.maxStreamBufferBytes(STREAM_BUFFER).recoveryMaxMessages(256),
            c -> c.requestTimeoutMillis(REQUEST_TIMEOUT_MILLIS));
    private final ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        trickler.shutdownNow();
        for (Socket socket : sockets) {
            socket.close();
        }
        s.close();
    }

    private Socket open() throws IOException {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.connect(s.address(), 5_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Reads until the server closes; the milliseconds that took. Fails on a timeout. */
    private static long millisUntilClosed(Socket socket) throws IOException {
        long t0 = System.nanoTime();
        InputStream in = socket.getInputStream();
        try {
            while (in.read() != -1) {
                // whatever the server says before closing (nothing, or an error) is fine
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within 5 s", e);
        } catch (SocketException e) {
            // reset: closed as well
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Sends {@code text} one byte every 50 ms, until the server closes the connection. */
    private void trickle(Socket socket, String text) {
        AtomicInteger at = new AtomicInteger();
        trickler.scheduleAtFixedRate(
                () -> {
                    int i = at.getAndIncrement();
                    if (i < text.length()) {
                        try {
                            write(socket, text.substring(i, i + 1));
                        } catch (IOException closed) {
                            at.set(text.length());
                        }
                    }
                },
                0,
                50,
                TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------------------- slowloris

    @Test
    void halfARequestLineIsClosedAfterTheRequestTimeout() throws IOException {
        Socket socket = open();
        write(socket, "GET /socket/ss");

        assertThat(millisUntilClosed(socket)).isBetween(REQUEST_TIMEOUT_MILLIS - 100L, 3_000L);
    }

    @Test
    void headersTrickledByteByByteAreCutOffAtTheRequestTimeout() throws IOException {
        assumeTrue(s.transport().cutsOffTricklingRequests(), s.transport() + " bounds silence, not total request time");
        Socket socket = open();
        trickle(socket, "GET /socket/sse HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(500) + "\r\n\r\n");

        assertThat(millisUntilClosed(socket)).isBetween(REQUEST_TIMEOUT_MILLIS - 100L, 3_000L);
    }

    @Test
    void bodyTrickledByteByByteIsCutOffAtTheRequestTimeout() throws IOException {
        assumeTrue(s.transport().cutsOffTricklingRequests(), s.transport() + " bounds silence, not total request time");
        Socket socket = open();
        String body = "{\"event\":\"e\",\"data\":\"" + "x".repeat(200) + "\"}";
        write(
                socket,
                "POST /socket/message HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length() + "\r\n\r\n");
        trickle(socket, body);

        assertThat(millisUntilClosed(socket)).isBetween(REQUEST_TIMEOUT_MILLIS - 100L, 3_000L);
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterTheRequestTimeout() throws IOException {
        Socket socket = open();
        write(socket, "GET /socket/nope HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(RawExchange.readResponse(new java.io.BufferedInputStream(socket.getInputStream()), false)
                        .status())
                .isEqualTo(404);

        assertThat(millisUntilClosed(socket)).isBetween(REQUEST_TIMEOUT_MILLIS - 100L, 3_000L);
    }

    @Test
    void openStreamOutlivesTheRequestTimeout() {
        TestClient c = s.streamingClient();

        await().during(Duration.ofMillis(REQUEST_TIMEOUT_MILLIS * 3L))
                .atMost(Duration.ofSeconds(5))
                .until(c::streamOpen);
        s.server().socket(c.id()).orElseThrow().emit("late", 1);

        assertThat(c.awaitEvent("late").data().asInt()).isEqualTo(1);
    }

    @Test
    void manyStalledRequestsDoNotKeepOthersOut() throws IOException {
        List<Socket> stalled = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Socket socket = open();
            write(socket, i % 2 == 0 ? "POST /socket/mess" : "GET /socket/sse?sessionId=");
            stalled.add(socket);
        }
        s.server().on("echo", (socket, data, ack) -> socket.emit("echoed", data));

        TestClient c = s.streamingClient();
        assertThat(c.emit("echo", "through").status()).isEqualTo(200);
        assertThat(c.awaitEvent("echoed").data().asText()).isEqualTo("through");

        for (Socket socket : stalled) {
            assertThat(millisUntilClosed(socket)).isLessThan(5_000L);
        }
    }

    // --------------------------------------------------------------------------- stalled streams

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Direct memory the JDK knows of, plus Netty's allocator's when it reports it. */
    private static long directBytes() {
        long jdk = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
        long netty = ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider m
                ? m.metric().usedDirectMemory()
                : 0;
        return jdk + netty;
    }

    @Test
    void manyStreamsThatNeverReadAreCutOffAndServerMemoryStaysBounded() throws Exception {
        int clients = 20;
        int messages = 300;
        String pad = "x".repeat(16 * 1024);
        List<TestClient> slow = new ArrayList<>();
        List<StalledStream> stalled = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            TestClient c = s.connectedClient();
            slow.add(c);
            stalled.add(c.openStalledStream(4096, Map.of()));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.stream()
                .allMatch(c -> s.server().socket(c.id()).isPresent()));
        TestClient watcher = s.streamingClient();
        long heapBefore = heapAfterGc();
        long directBefore = directBytes();

        // About 96 MB, distinct per client (nothing shared between connections): unbounded buffering
        // would keep all of it, since none of these clients reads. Paced by a reading watcher so that
        // the server's log reader stays inside the small recovery window (else every local stream is
        // closed for the gap, which would prove nothing about buffers).
        for (int m = 0; m < messages; m++) {
            for (TestClient c : slow) {
                s.server().socket(c.id()).orElseThrow().emit("big", Map.of("m", m, "to", c.id(), "pad", pad));
            }
            s.server().socket(watcher.id()).orElseThrow().emit("round", m);
            assertThat(watcher.awaitEvent("round").data().asInt()).isEqualTo(m);
        }
        long heapDuring = heapAfterGc();
        long directDuring = directBytes();

        System.out.printf(
                "SlowClientIT: heap %d -> %d MiB, direct %d -> %d MiB with %d stalled streams%n",
                heapBefore >> 20, heapDuring >> 20, directBefore >> 20, directDuring >> 20, clients);
        long bound = 32L * 1024 * 1024; // vs. ~96 MiB if the server buffered what they do not read
        assertThat(heapDuring - heapBefore).as("heap growth").isLessThan(bound);
        assertThat(directDuring - directBefore).as("direct memory growth").isLessThan(bound);
        assertThat(watcher.streamOpen())
                .as("the reading client was never cut off")
                .isTrue();
        for (StalledStream st : stalled) {
            StalledStream.Drained drained = st.drain(Duration.ofSeconds(10));
            assertThat(drained.closedByServer()).as("cut off").isTrue();
            assertThat(drained.frames().size()).isLessThan(messages);
            st.close();
        }
    }
}
