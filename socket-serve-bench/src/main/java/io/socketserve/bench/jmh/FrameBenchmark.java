package io.socketserve.bench.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socketserve.transport.Frame;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding one broadcast: serialising the payload (what {@code emit} does once per message) and
 * building the shared SSE frame ({@link Frame#of}, once per message per instance).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameBenchmark {

    private final ObjectMapper mapper = new ObjectMapper();
    private ObjectNode payload;
    private byte[] frameJson;
    private long position;

    @Setup
    public void setup() {
        payload = mapper.createObjectNode()
                .put("room", "r0")
                .put("seq", 123456)
                .put("t", 987654321012345L)
                .put("pad", "x".repeat(40));
        frameJson = ("{\"event\":\"m\",\"data\":" + payload
                        + ",\"timestamp\":1731142090000,\"sessionId\":\"AbCdEfGhIjKlMnOp\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public byte[] serializePayload() throws Exception {
        return mapper.writeValueAsBytes(payload);
    }

    @Benchmark
    public Frame frameOf() {
        return Frame.of(++position, frameJson);
    }
}
