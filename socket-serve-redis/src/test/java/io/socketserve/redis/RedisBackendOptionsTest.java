package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisBackendOptionsTest {

    @Test
    void defaultsAreTheNamedConstants() {
        RedisBackendOptions o = RedisBackendOptions.builder().build();
        assertThat(o.uri()).isEqualTo(RedisBackendOptions.DEFAULT_URI);
        assertThat(o.keyPrefix()).isEqualTo(RedisBackendOptions.DEFAULT_KEY_PREFIX);
        assertThat(o.commandTimeout()).isEqualTo(RedisBackendOptions.DEFAULT_COMMAND_TIMEOUT);
        assertThat(o.connectTimeout()).isEqualTo(RedisBackendOptions.DEFAULT_CONNECT_TIMEOUT);
        assertThat(o.maxPendingCommands()).isEqualTo(RedisBackendOptions.DEFAULT_MAX_PENDING_COMMANDS);
    }

    @Test
    void theLettuceUriCarriesPasswordUserDatabaseTlsAndCommandTimeout() {
        RedisURI uri = RedisBackendOptions.builder()
                .uri("rediss://app:s3cret@redis.example.com:6380/2")
                .commandTimeout(Duration.ofMillis(750))
                .build()
                .redisUri();
        assertThat(uri.isSsl()).isTrue();
        assertThat(uri.getHost()).isEqualTo("redis.example.com");
        assertThat(uri.getPort()).isEqualTo(6380);
        assertThat(uri.getDatabase()).isEqualTo(2);
        assertThat(uri.getTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(uri.getCredentialsProvider().resolveCredentials().block().getUsername())
                .isEqualTo("app");
        assertThat(uri.getCredentialsProvider().resolveCredentials().block().getPassword())
                .isEqualTo("s3cret".toCharArray());
    }

    @Test
    void theRedactedUriHasNoCredentials() {
        RedisBackendOptions o = RedisBackendOptions.of("redis://user:s3cret@10.0.0.5:6390/4");
        assertThat(o.redactedUri()).isEqualTo("redis://10.0.0.5:6390/4");
        assertThat(o.toString()).doesNotContain("s3cret").contains("redis://10.0.0.5:6390/4");
    }

    @Test
    void theRedactedUriNamesTls() {
        assertThat(RedisBackendOptions.of("rediss://:pw@h:6380").redactedUri()).isEqualTo("rediss://h:6380");
    }

    @Test
    void anUnparsableUriIsRejectedWithoutEchoingIt() {
        assertThatThrownBy(() -> RedisBackendOptions.builder().uri("http://:s3cret@host"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void aPrefixWithBracesIsRejected() {
        assertThatThrownBy(() -> RedisBackendOptions.builder().keyPrefix("a{b}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisBackendOptions.builder().keyPrefix(""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void timeoutsMustBePositive() {
        assertThatThrownBy(() -> RedisBackendOptions.builder().commandTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("commandTimeout");
        assertThatThrownBy(() -> RedisBackendOptions.builder().connectTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("connectTimeout");
    }

    @Test
    void nullArgumentsAreNamed() {
        assertThatThrownBy(() -> RedisBackendOptions.builder().uri(null)).hasMessage("uri == null");
    }

    @Test
    void toBuilderCopiesEverything() {
        RedisBackendOptions o = RedisBackendOptions.builder()
                .uri("redis://h:1")
                .keyPrefix("p")
                .commandTimeout(Duration.ofSeconds(3))
                .connectTimeout(Duration.ofSeconds(4))
                .maxPendingCommands(5)
                .build();
        assertThat(o.toBuilder().build()).usingRecursiveComparison().isEqualTo(o);
    }
}
