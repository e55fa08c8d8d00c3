package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.RoomMessage;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.redis.testing.RedisServerProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Room history on Redis with two instances: what one instance sent, the other reads back from the
 * shared log (any instance serves any request), walking the stream backwards in chunks.
 */
class RedisHistoryIT {

    @RegisterExtension
    static final RedisServerProcess redis = new RedisServerProcess();

    private static final AtomicInteger TESTS = new AtomicInteger();

    private SocketServer sender;
    private SocketServer reader;

    @BeforeEach
    void start() {
        String prefix = "history" + TESTS.incrementAndGet();
        sender = server(prefix);
        reader = server(prefix);
    }

    private static SocketServer server(String prefix) {
        return SocketServer.create(ServerOptions.builder()
                .backend(new RedisBackend(RedisBackendOptions.builder()
                        .uri(redis.uri())
                        .keyPrefix(prefix)
                        .build()))
                .build());
    }

    @AfterEach
    void stop() {
        sender.close();
        reader.close();
        redis.tryCommand("FLUSHALL");
    }

    private static List<String> texts(List<RoomMessage> messages) {
        List<String> out = new ArrayList<>();
        messages.forEach(m -> out.add(m.data().path("text").asText()));
        return out;
    }

    private void send(String room, String event, String text) {
        sender.to(room).emit(event, Map.of("text", text)).toCompletableFuture().join();
    }

    @Test
    void anotherInstanceReadsTheRoomsLastMessagesInOrder() {
        for (int i = 0; i < 5; i++) {
            send("r", "said", "m" + i);
        }
        List<RoomMessage> last = reader.history("r", 3).toCompletableFuture().join();
        assertThat(texts(last)).containsExactly("m2", "m3", "m4");
        assertThat(last).extracting(RoomMessage::position).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void theWalkCrossesChunksAndSkipsOtherRoomsAndEvents() {
        send("quiet", "said", "q0");
        send("quiet", "said", "q1");
        for (int i = 0; i < 700; i++) { // about three chunks of other traffic after them
            send(i % 2 == 0 ? "busy" : "quiet", i % 2 == 0 ? "said" : "typing", "x" + i);
        }
        send("quiet", "said", "q2");

        assertThat(texts(reader.history("quiet", 10, "said")
                        .toCompletableFuture()
                        .join()))
                .containsExactly("q0", "q1", "q2");
        assertThat(reader.history("quiet", 10).toCompletableFuture().join()).hasSize(10);
        assertThat(reader.history("nobody", 10).toCompletableFuture().join()).isEmpty();
    }
}
