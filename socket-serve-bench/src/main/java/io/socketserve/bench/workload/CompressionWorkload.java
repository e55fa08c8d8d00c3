package io.socketserve.bench.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;

/**
 * What HTTP compression saves, on the real server: a polling answer fetched with and without {@code
 * Accept-Encoding: gzip}, and the same messages as SSE frames compressed the way a compressed stream
 * would have to be (one deflate stream per connection, flushed after every frame), with the CPU that
 * costs per frame and per connection.
 *
 * <p>Messages are chat-like: about 100 bytes of JSON each ({@code {"from","text","timestamp"}}, 12
 * words from a small vocabulary), broadcast to one room, as in the fan-out scenario.
 */
public final class CompressionWorkload {

    /** One row of the result table. */
    public record Row(String what, long plainBytes, long compressedBytes, double nanosPerFrame, String note) {
        public double savedPercent() {
            return plainBytes == 0 ? 0 : 100.0 * (plainBytes - compressedBytes) / plainBytes;
        }
    }

    private static final String[] WORDS = {
        "hello",
        "the",
        "build",
        "is",
        "green",
        "again",
        "did",
        "you",
        "see",
        "latency",
        "numbers",
        "room",
        "deploy",
        "lunch",
        "at",
        "noon",
        "ok",
        "thanks",
        "redis",
        "instance"
    };

    private CompressionWorkload() {}

    public static List<Row> run(int messages) throws Exception {
        ServerOptions options = ServerOptions.builder()
                .eventRateLimit(0, 1)
                .connectionRateLimit(0, 1)
                .sessionLogBytesPerWindow(0)
                .build();
        try (SocketServer server = SocketServer.create(options)) {
            server.on("join", (socket, data, ack) -> socket.join("room"));
            EmbeddedServer http = EmbeddedServer.builder(server)
                    .host("127.0.0.1")
                    .port(0)
                    .serveClient(false)
                    .warmUp(0) // in the generator's JVM: measured separately
                    .start();
            try {
                return measure(server, URI.create("http://127.0.0.1:" + http.port() + "/socket"), messages);
            } finally {
                http.close();
            }
        }
    }

    private static List<Row> measure(SocketServer server, URI base, int messages) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        HttpClient client = HttpClient.newHttpClient();
        JsonNode connected =
                mapper.readTree(client.send(post(base, "/connect", "{}"), HttpResponse.BodyHandlers.ofByteArray())
                        .body());
        String credential = connected.path("sessionId").asText();
        client.send(
                post(base, "/message", "{\"sessionId\":\"" + credential + "\",\"event\":\"join\"}"),
                HttpResponse.BodyHandlers.discarding());
        Random random = new Random(1);
        for (int i = 0; i < messages; i++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < 12; w++) {
                text.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
            }
            server.to("room")
                    .emit("newMessage", Map.of("from", "user-" + random.nextInt(50), "text", text.toString()))
                    .toCompletableFuture()
                    .join();
        }
        URI poll = URI.create(base + "/sse?transport=polling&after=0&sessionId=" + credential);
        byte[] plain = client.send(HttpRequest.newBuilder(poll).build(), HttpResponse.BodyHandlers.ofByteArray())
                .body();
        HttpResponse<byte[]> gz = client.send(
                HttpRequest.newBuilder(poll).header("Accept-Encoding", "gzip").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        String encoding = gz.headers().firstValue("Content-Encoding").orElse("none");
        JsonNode answer = mapper.readTree(plain);
        List<byte[]> frames = new ArrayList<>();
        long position = 1;
        for (JsonNode m : answer.path("messages")) {
            frames.add(("id: " + position++ + "\ndata: " + mapper.writeValueAsString(m) + "\n\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        long framesBytes = frames.stream().mapToLong(f -> f.length).sum();

        List<Row> rows = new ArrayList<>();
        rows.add(new Row(
                "polling answer with " + frames.size() + " messages",
                plain.length,
                gz.body().length,
                0,
                "Content-Encoding: " + encoding));
        for (int level : new int[] {1, 6}) {
            long[] out = new long[1];
            double nanos = perFrame(frames, level, out);
            rows.add(
                    new Row(
                            "SSE frames, one deflate stream flushed per frame, level " + level,
                            framesBytes,
                            out[0],
                            nanos,
                            "per connection: its own deflate state (~256 KiB with the JDK's zlib) and this CPU for every frame"));
        }
        byte[] first = frames.get(0);
        Deflater single = new Deflater(6, true);
        rows.add(new Row("the first frame of a stream alone", first.length, deflate(single, first), 0, ""));
        single.end();
        return rows;
    }

    /** Compresses every frame in turn with SYNC_FLUSH; repeats (JIT) and returns the nanoseconds per frame. */
    private static double perFrame(List<byte[]> frames, int level, long[] compressedBytes) {
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 30; round++) {
            Deflater d = new Deflater(level, true);
            long bytes = 0;
            long start = System.nanoTime();
            for (byte[] f : frames) {
                bytes += deflate(d, f);
            }
            best = Math.min(best, System.nanoTime() - start);
            d.end();
            compressedBytes[0] = bytes;
        }
        return (double) best / frames.size();
    }

    private static final byte[] BUFFER = new byte[64 * 1024];

    private static int deflate(Deflater d, byte[] input) {
        d.setInput(input);
        int total = 0;
        int n;
        do {
            n = d.deflate(BUFFER, 0, BUFFER.length, Deflater.SYNC_FLUSH);
            total += n;
        } while (n == BUFFER.length);
        return total;
    }

    private static HttpRequest post(URI base, String path, String body) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /** The rows as a Markdown table. */
    public static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder(
                "| what | plain bytes | compressed bytes | saved | deflate per frame per connection | note |\n"
                        + "|---|---:|---:|---:|---:|---|\n");
        for (Row r : rows) {
            out.append(String.format(
                    java.util.Locale.ROOT,
                    "| %s | %,d | %,d | %.0f%% | %s | %s |%n",
                    r.what(),
                    r.plainBytes(),
                    r.compressedBytes(),
                    r.savedPercent(),
                    r.nanosPerFrame() > 0
                            ? String.format(java.util.Locale.ROOT, "%.1f µs", r.nanosPerFrame() / 1000)
                            : "",
                    r.note()));
        }
        return out.toString();
    }
}
