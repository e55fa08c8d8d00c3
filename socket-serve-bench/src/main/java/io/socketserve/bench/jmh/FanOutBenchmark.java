package io.socketserve.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socketserve.SocketServer;
import io.socketserve.bench.server.BenchServer;
import io.socketserve.transport.Frame;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.StreamSink;
import io.socketserve.transport.TransportResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * In-memory fan-out through the engine, without sockets: {@code server.to(room).emit(…)} → payload
 * serialisation, log append, the dispatcher's room lookup and one {@link StreamSink#send} per
 * member. Each operation waits until every member's sink has the message, so the score is the
 * engine's time per broadcast; deliveries/s = members / score.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FanOutBenchmark {

    @Param({"100", "1000", "10000"})
    int members;

    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicLong received = new AtomicLong();
    private SocketServer server;
    private ObjectNode payload;
    private long expected;

    /** Counts what the engine sends; keeps nothing. */
    private final class CountingSink implements StreamSink {
        @Override
        public void open(Frame preamble) {}

        @Override
        public boolean send(Frame frame) {
            received.incrementAndGet();
            return true;
        }

        @Override
        public void close(@Nullable Frame last) {}

        @Override
        public void onClose(Runnable listener) {}
    }

    @Setup(Level.Trial)
    public void setup() throws Exception {
        server = BenchServer.create(BenchServer.options().build());
        SocketEndpoint endpoint = io.socketserve.transport.SocketEndpoint.of(server);
        for (int i = 0; i < members; i++) {
            TransportResponse r = endpoint.handle(Requests.post("/connect", null, "{}"))
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            JsonNode body = JSON.readTree(r.body());
            String credential = body.get("sessionId").asText();
            TransportResponse joined = endpoint.handle(
                            Requests.post("/message", credential, "{\"event\":\"join\",\"data\":{\"room\":\"r\"}}"))
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            if (joined.status() != 200) {
                throw new IllegalStateException("join failed: " + joined.status());
            }
            TransportResponse error = endpoint.openStream(Requests.stream(credential), new CountingSink())
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            if (error != null) {
                throw new IllegalStateException("stream failed: " + error.status());
            }
        }
        payload = JSON.createObjectNode()
                .put("room", "r")
                .put("seq", 1)
                .put("t", 1L)
                .put("pad", "x".repeat(50));
        // Let the attach of the last stream settle.
        Thread.sleep(200);
        expected = received.get();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        server.close();
    }

    @Benchmark
    public long broadcast() throws Exception {
        expected += members;
        server.to("r").emit("m", payload).toCompletableFuture().get(10, TimeUnit.SECONDS);
        long spins = 0;
        while (received.get() < expected) {
            if (++spins % 1024 == 0) {
                Thread.onSpinWait();
            }
        }
        return expected;
    }
}
