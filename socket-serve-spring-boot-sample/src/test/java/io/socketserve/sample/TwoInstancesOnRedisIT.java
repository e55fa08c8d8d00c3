package io.socketserve.sample;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.redis.testing.RedisServerProcess;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the sample application (two Spring contexts, each with its own Tomcat on a free
 * port) on one real redis-server, as {@code SOCKETSERVE_REDIS_URL} configures them. A client whose
 * requests alternate between the instances chats exactly as on one.
 */
class TwoInstancesOnRedisIT {

    static RedisServerProcess redis;
    static ConfigurableApplicationContext one;
    static ConfigurableApplicationContext two;

    private final List<TestClient> clients = new ArrayList<>();

    @BeforeAll
    static void start() {
        redis = new RedisServerProcess().start();
        one = instance();
        two = instance();
    }

    private static ConfigurableApplicationContext instance() {
        return new SpringApplicationBuilder(ChatSampleApplication.class)
                .properties(ChatSampleApplication.defaults(Map.of(ChatSampleApplication.REDIS_URL_ENV, redis.uri())))
                .run("--server.port=0", "--socketserve.redis.url=" + redis.uri());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {two, one, redis}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    @AfterEach
    void closeClients() {
        clients.forEach(TestClient::close);
    }

    private static URI base(ConfigurableApplicationContext instance) {
        return URI.create("http://127.0.0.1:" + instance.getEnvironment().getProperty("local.server.port") + "/socket");
    }

    private TestClient track(TestClient c) {
        clients.add(c);
        return c;
    }

    @Test
    void bothInstancesUseRedis() {
        assertThat(one.getEnvironment().getProperty("socketserve.backend")).isEqualTo("redis");
        assertThat(base(one)).isNotEqualTo(base(two));
    }

    @Test
    void clientAlternatingBetweenInstancesChatsAsOnOne() {
        // alice: connected and streaming on instance one; her requests alternate one / two
        TestClient alice = track(new TestClient(base(one)));
        alice.connect(Map.of("auth", Map.of("name", "alice")));
        alice.openStream();
        TestClient aliceOnTwo = track(alice.via(base(two)));
        // bob: connected and streaming on instance two
        TestClient bob = track(new TestClient(base(two)));
        bob.connect(Map.of("auth", Map.of("name", "bob")));
        bob.openStream();

        TestClient.Emitted join = aliceOnTwo.emitWithAck("joinChannel", Map.of("channelName", "shared"));
        assertThat(alice.awaitEvent("userJoined").data().get("username").asText())
                .isEqualTo(alice.id());
        assertThat(alice.awaitAck(join.messageId()).data().get("members"))
                .extracting(JsonNode::asText)
                .containsExactly(alice.id());
        assertThat(alice.awaitEvent("history").data().get("messages")).isEmpty();

        TestClient.Emitted bobJoin = bob.emitWithAck("joinChannel", Map.of("channelName", "shared"));
        alice.await(
                f -> f.event().equals("userJoined")
                        && f.data().get("username").asText().equals(bob.id()),
                "bob's userJoined at alice");
        assertThat(bob.awaitAck(bobJoin.messageId()).data().get("members"))
                .extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(alice.id(), bob.id());

        for (int n = 0; n < 4; n++) {
            TestClient via = n % 2 == 0 ? alice : aliceOnTwo;
            TestClient.Emitted sent = via.emitWithAck("sendMessage", Map.of("channel", "shared", "message", "m" + n));
            assertThat(alice.awaitAck(sent.messageId()).data().get("ok").asBoolean())
                    .isTrue();
        }
        List<ReceivedFrame> atBob = bob.awaitEvents("newMessage", 4);
        assertThat(atBob).extracting(f -> f.data().get("text").asText()).containsExactly("m0", "m1", "m2", "m3");
        assertThat(atBob).allSatisfy(f -> {
            assertThat(f.data().get("from").asText()).isEqualTo(alice.id());
            assertThat(f.data().get("name").asText()).isEqualTo("alice");
        });
        assertThat(alice.awaitEvents("newMessage", 4))
                .extracting(f -> f.data().get("text").asText())
                .containsExactly("m0", "m1", "m2", "m3");

        // the names ack on the other instance knows alice's display name (session attribute in Redis)
        TestClient.Emitted names = bob.emitWithAck("names", Map.of("ids", List.of(alice.id())));
        assertThat(bob.awaitAck(names.messageId())
                        .data()
                        .get("names")
                        .get(alice.id())
                        .asText())
                .isEqualTo("alice");

        // a later joiner on instance one gets the history written through both instances
        TestClient carol = track(new TestClient(base(one)));
        carol.connect();
        carol.openStream();
        carol.emit("joinChannel", Map.of("channelName", "shared"));
        assertThat(carol.awaitEvent("history").data().get("messages"))
                .extracting(m -> m.get("text").asText())
                .containsExactly("m0", "m1", "m2", "m3");

        aliceOnTwo.emit("leaveChannel", Map.of("channelName", "shared"));
        assertThat(bob.awaitEvent("userLeft").data().get("username").asText()).isEqualTo(alice.id());
    }
}
