package io.socketserve.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.redis.testing.RedisServerProcess;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** socketserve.backend=redis against a real redis-server: the health indicator follows Redis. */
@SpringBootTest(
        classes = ChatTestApp.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"socketserve.path=/rt", "socketserve.backend=redis"})
class RedisHealthIT {

    static final RedisServerProcess REDIS = new RedisServerProcess().start();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("socketserve.redis.url", REDIS::uri);
    }

    @AfterAll
    static void stopRedis() {
        REDIS.close();
    }

    @Autowired
    SocketServeHealthIndicator health;

    @Test
    void downWhileRedisIsStoppedAndUpAgainAfter() {
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);

        REDIS.stop();
        await().atMost(Duration.ofSeconds(40))
                .until(() -> health.health().getStatus().equals(Status.DOWN));

        REDIS.start();
        await().atMost(Duration.ofSeconds(40))
                .until(() -> health.health().getStatus().equals(Status.UP));
    }
}
