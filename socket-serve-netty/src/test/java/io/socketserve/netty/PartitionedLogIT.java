package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.Partitions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server whose in-memory log has four partitions (issue 15), end to end over real HTTP: rooms in
 * different partitions, vector ids on streams and polls, resume with a vector {@code Last-Event-ID}
 * that replays exactly what was missed in each partition, {@code __missed} for a trimmed partition
 * with its {@code partition} field, and malformed vectors answered with 400 JSON.
 */
class PartitionedLogIT {

    private static final int P = 4;
    private static final String GAME = "game"; // partition 0 of 4
    private static final String LOBBY = "lobby"; // partition 3 of 4
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<TestServer> servers = new ArrayList<>();
    private final List<Sse> streams = new ArrayList<>();

    @BeforeAll
    static void roomsAreInDifferentPartitions() {
        assertThat(Partitions.of(GAME, P)).isZero();
        assertThat(Partitions.of(LOBBY, P)).isEqualTo(3);
    }

    @AfterEach
    void close() {
        streams.forEach(Sse::close);
        servers.forEach(TestServer::close);
    }

    private TestServer start(int recoveryMaxMessages) {
        TestServer ts =
                TestServer.start(o -> o.backend(new InMemoryBackend(P)).recoveryMaxMessages(recoveryMaxMessages));
        ts.server().on("join", (socket, data, ack) -> socket.join(data.asText()));
        servers.add(ts);
        return ts;
    }

    private static void emit(TestServer ts, String room, String event, int n) {
        ts.server().to(room).emit(event, n).toCompletableFuture().join();
    }

    @Test
    void streamsCarryVectorIdsAndResumeReplaysExactlyWhatWasMissedPerPartition() throws Exception {
        TestServer ts = start(1000);
        TestClient c = ts.client();
        JsonNode connected = c.connect().json();
        assertThat(connected.path("position").isTextual()).isTrue();
        LogPosition created = LogPosition.parse(connected.path("position").asText(), P);
        assertThat(c.emit("join", GAME).status()).isEqualTo(200);
        assertThat(c.emit("join", LOBBY).status()).isEqualTo(200);

        Sse first = open(ts, c, null);
        assertThat(first.next().event()).isEqualTo("connected");
        emit(ts, GAME, "g", 1);
        emit(ts, LOBBY, "l", 1);
        List<Frame> live = first.events(2);
        assertThat(live).extracting(Frame::event).containsExactlyInAnyOrder("g", "l");
        Frame last = live.get(1);
        LogPosition resumeAt = LogPosition.parse(last.id(), P);
        assertThat(resumeAt.covers(created)).isTrue();
        assertThat(resumeAt.get(0)).isGreaterThan(created.get(0)); // the game message's partition moved
        assertThat(resumeAt.get(3)).isGreaterThan(created.get(3)); // and the lobby's
        first.close();

        // missed while away, in both partitions
        emit(ts, GAME, "g", 2);
        emit(ts, LOBBY, "l", 2);
        emit(ts, GAME, "g", 3);

        Sse resumed = open(ts, c, last.id());
        assertThat(resumed.next().event()).isEqualTo("connected");
        List<Frame> replayed = resumed.events(3);
        assertThat(replayed).extracting(f -> f.event() + f.data().asInt()).containsExactlyInAnyOrder("g2", "l2", "g3");
        // each room in its order
        assertThat(replayed.stream().filter(f -> f.event().equals("g")).map(f -> f.data()
                        .asInt()))
                .containsExactly(2, 3);
        // ids never go back, and live delivery goes on after the replay
        LogPosition previous = resumeAt;
        for (Frame f : replayed) {
            LogPosition id = LogPosition.parse(f.id(), P);
            assertThat(id.covers(previous)).isTrue();
            previous = id;
        }
        emit(ts, LOBBY, "l", 4);
        Frame after = resumed.events(1).get(0);
        assertThat(after.event() + after.data().asInt()).isEqualTo("l4");
        assertThat(resumed.nothingMoreWithin(Duration.ofMillis(200))).isTrue();
    }

    @Test
    void pollsAnswerWithAVectorPositionAndResumeFromIt() throws Exception {
        TestServer ts = start(1000);
        TestClient c = ts.client();
        String start = c.connect().json().path("position").asText();
        c.emit("join", GAME);
        c.emit("join", LOBBY);
        emit(ts, GAME, "g", 1);
        emit(ts, LOBBY, "l", 1);

        JsonNode firstPoll = poll(ts, c, start, 200);
        assertThat(events(firstPoll)).containsExactlyInAnyOrder("g1", "l1");
        assertThat(firstPoll.path("position").isTextual()).isTrue();
        String position = firstPoll.path("position").asText();
        assertThat(LogPosition.parse(position, P).covers(LogPosition.parse(start, P)))
                .isTrue();

        emit(ts, LOBBY, "l", 2);
        JsonNode second = poll(ts, c, position, 200);
        assertThat(events(second)).containsExactly("l2");
        JsonNode empty = poll(ts, c, second.path("position").asText(), 200);
        assertThat(events(empty)).isEmpty();

        // the server-side cursor (a poll without a position) is a vector too
        emit(ts, GAME, "g", 2);
        JsonNode cursorPoll = poll(ts, c, null, 200);
        assertThat(events(cursorPoll)).contains("g2");
        assertThat(events(poll(ts, c, null, 200))).isEmpty();
    }

    @Test
    void aClientBehindATrimmedPartitionIsToldWhichPartitionItMissed() throws Exception {
        TestServer ts = start(16);
        TestClient c = ts.client();
        c.connect();
        c.emit("join", GAME);
        c.emit("join", LOBBY);
        Sse first = open(ts, c, null);
        first.next();
        emit(ts, LOBBY, "l", 1);
        String id = first.events(1).get(0).id();
        first.close();

        for (int i = 0; i < 100; i++) {
            emit(ts, GAME, "g", i); // partition 0 runs far past its 16 kept entries
        }
        emit(ts, LOBBY, "l", 2); // partition 3 keeps everything

        Sse resumed = open(ts, c, id);
        assertThat(resumed.next().event()).isEqualTo("connected");
        Frame missed = resumed.next();
        assertThat(missed.event()).isEqualTo("__missed");
        assertThat(missed.data().path("partition").asInt()).isZero();
        assertThat(missed.data().path("after").asLong())
                .isEqualTo(LogPosition.parse(id, P).get(0));
        assertThat(missed.data().path("oldest").asLong())
                .isGreaterThan(missed.data().path("after").asLong() + 1);
        List<Frame> rest = resumed.events(17);
        assertThat(rest)
                .extracting(f -> f.event() + f.data().asInt())
                .contains("l2", "g99")
                .doesNotContain("g0");
        assertThat(rest).extracting(Frame::event).doesNotContain("__missed"); // nothing of partition 3 was lost
    }

    /**
     * Batched membership changes that span partitions (one entry per partition), a resume that has to
     * roll each room's membership back in its own partition, a multi-room broadcast, and a batched
     * disconnect.
     */
    @Test
    void batchesSpanningPartitionsAreAppliedLiveAndInReplay() throws Exception {
        TestServer ts = start(1000);
        TestClient c = ts.client();
        c.connect();
        c.emit("join", "x");
        Sse first = open(ts, c, null);
        first.next();
        emit(ts, "x", "x", 1);
        String id = first.events(1).get(0).id();
        first.close();

        // while away: joined to rooms of two partitions in one call, then messages to both
        ts.server().in("x").socketsJoin(GAME, LOBBY);
        emit(ts, GAME, "g", 1);
        emit(ts, LOBBY, "l", 1);
        Sse resumed = open(ts, c, id);
        resumed.next();
        assertThat(resumed.events(2))
                .extracting(f -> f.event() + f.data().asInt())
                .containsExactlyInAnyOrder("g1", "l1");

        // live: one broadcast to both rooms arrives once; leaving one partition's room stops it
        ts.server().to(GAME, LOBBY).emit("both", 1).toCompletableFuture().join();
        assertThat(resumed.events(1).get(0).event()).isEqualTo("both");
        ts.server().in("x").socketsLeave(LOBBY);
        emit(ts, LOBBY, "l", 2);
        emit(ts, GAME, "g", 2);
        Frame next = resumed.events(1).get(0);
        assertThat(next.event() + next.data().asInt()).isEqualTo("g2");

        ts.server().in(GAME).disconnectSockets();
        Frame end = resumed.events(1).get(0);
        assertThat(end.event()).isEqualTo("__disconnect");
    }

    @Test
    void malformedVectorsAreAnsweredWith400Json() throws Exception {
        TestServer ts = start(1000);
        TestClient c = ts.client();
        c.connect();
        for (String bad : List.of("12", "1.2.3", "1.2.3.4.5", "1.2.3.X", "1.2.3.-1", "1.2.3.zzzzzzzzzzzzz", "a b")) {
            HttpResponse<String> stream = get(ts, c, "/sse", "", bad);
            assertThat(stream.statusCode()).as("Last-Event-ID %s", bad).isEqualTo(400);
            assertThat(MAPPER.readTree(stream.body()).path("error").asText()).isEqualTo("invalid_last_event_id");
            HttpResponse<String> poll = get(ts, c, "/sse", "&transport=polling&after=" + enc(bad), null);
            assertThat(poll.statusCode()).as("after=%s", bad).isEqualTo(400);
            assertThat(MAPPER.readTree(poll.body()).path("error").asText()).isEqualTo("invalid_last_event_id");
        }
        // well-formed but beyond the log
        HttpResponse<String> beyond = get(ts, c, "/sse", "&transport=polling&after=0.0.0.zz", null);
        assertThat(beyond.statusCode()).isEqualTo(400);
        assertThat(MAPPER.readTree(beyond.body()).path("error").asText()).isEqualTo("invalid_last_event_id");
    }

    // ---------------------------------------------------------------------------------- helpers

    private static List<String> events(JsonNode poll) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : poll.path("messages")) {
            out.add(m.path("event").asText() + m.path("data").asText());
        }
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static JsonNode poll(TestServer ts, TestClient c, @Nullable String after, long waitMillis)
            throws Exception {
        String q = "&transport=polling&wait=" + waitMillis + (after == null ? "" : "&after=" + enc(after));
        HttpResponse<String> r = get(ts, c, "/sse", q, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return MAPPER.readTree(r.body());
    }

    private static HttpResponse<String> get(
            TestServer ts, TestClient c, String path, String query, @Nullable String lastEventId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(ts, c, path, query)).timeout(WAIT);
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(TestServer ts, TestClient c, String path, String query) {
        return URI.create(ts.base() + path + "?sessionId=" + enc(c.credential()) + query);
    }

    private Sse open(TestServer ts, TestClient c, @Nullable String lastEventId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(ts, c, "/sse", "")).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<Stream<String>> r = HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        Sse sse = new Sse(r.body());
        streams.add(sse);
        return sse;
    }

    /** One SSE frame: its {@code id:} (or null) and its JSON. */
    record Frame(@Nullable String id, JsonNode json) {
        String event() {
            return json.path("event").asText();
        }

        JsonNode data() {
            return json.path("data");
        }
    }

    /** An SSE stream read on its own thread into a queue of frames. */
    static final class Sse {
        private final Stream<String> lines;
        private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
        private final Thread reader;

        Sse(Stream<String> lines) {
            this.lines = lines;
            this.reader = new Thread(this::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            String[] id = {null};
            try {
                lines.forEach(line -> {
                    if (line.startsWith("id: ")) {
                        id[0] = line.substring(4);
                    } else if (line.startsWith("data: ")) {
                        try {
                            frames.add(new Frame(id[0], MAPPER.readTree(line.substring(6))));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        id[0] = null;
                    }
                });
            } catch (RuntimeException closed) {
                // the stream was closed
            }
        }

        Frame next() throws InterruptedException {
            Frame f = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(f).as("a frame within %s", WAIT).isNotNull();
            return f;
        }

        /** The next {@code n} message frames (ids set), skipping nothing else but pings. */
        List<Frame> events(int n) throws InterruptedException {
            List<Frame> out = new ArrayList<>();
            while (out.size() < n) {
                Frame f = next();
                if (!f.event().equals("__ping")) {
                    out.add(f);
                }
            }
            return out;
        }

        boolean nothingMoreWithin(Duration d) throws InterruptedException {
            Frame f = frames.poll(d.toMillis(), TimeUnit.MILLISECONDS);
            return f == null;
        }

        void close() {
            lines.close();
            reader.interrupt();
        }
    }
}
