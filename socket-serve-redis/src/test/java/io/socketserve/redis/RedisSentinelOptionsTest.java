package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code redis-sentinel://} URIs in {@link RedisBackendOptions}. */
class RedisSentinelOptionsTest {

    @Test
    void aSentinelUriNamesTheSentinelsAndTheMasterId() {
        RedisURI uri = RedisBackendOptions.builder()
                .uri("redis-sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380/2#mymaster")
                .commandTimeout(Duration.ofMillis(750))
                .build()
                .redisUri();
        assertThat(uri.getSentinelMasterId()).isEqualTo("mymaster");
        assertThat(uri.getSentinels())
                .extracting(s -> s.getHost() + ":" + s.getPort())
                .containsExactly("10.0.0.1:26379", "10.0.0.2:26380");
        assertThat(uri.getDatabase()).isEqualTo(2);
        assertThat(uri.getTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(uri.getCredentialsProvider().resolveCredentials().block().getPassword())
                .isEqualTo("s3cret".toCharArray());
    }

    @Test
    void theMasterIdMayBeAQueryParameter() {
        RedisBackendOptions o = RedisBackendOptions.of("redis-sentinel://h1:26379,h2:26379?sentinelMasterId=main");
        assertThat(o.redisUri().getSentinelMasterId()).isEqualTo("main");
        assertThat(o.sentinel()).isTrue();
    }

    @Test
    void aSentinelUriWithoutAMasterIdIsRejectedNamingTheProblem() {
        for (String uri : new String[] {
            "redis-sentinel://:s3cret@h1:26379,h2:26379", "redis-sentinel://:s3cret@h1:26379#",
            "redis-sentinel://:s3cret@h1:26379?sentinelMasterId=", "REDIS-SENTINEL://:s3cret@h1:26379/1"
        }) {
            assertThatThrownBy(() -> RedisBackendOptions.builder().uri(uri), uri)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Sentinel")
                    .hasMessageContaining("master id")
                    .hasMessageNotContaining("s3cret");
        }
    }

    @Test
    void theRedactedSentinelUriListsTheSentinelsAndTheMasterIdButNoPassword() {
        RedisBackendOptions o =
                RedisBackendOptions.of("redis-sentinel://app:s3cret@10.0.0.1:26379,10.0.0.2/3#mymaster");
        assertThat(o.redactedUri()).isEqualTo("redis-sentinel://10.0.0.1:26379,10.0.0.2:26379/3#mymaster");
        assertThat(o.toString()).doesNotContain("s3cret");
        assertThat(RedisBackendOptions.of("rediss-sentinel://h:1#m").redactedUri())
                .isEqualTo("rediss-sentinel://h:1#m");
    }

    @Test
    void aPlainUriIsNotASentinelUri() {
        assertThat(RedisBackendOptions.of("redis://h:6379").sentinel()).isFalse();
        assertThat(RedisBackendOptions.of("redis://h:6379").redactedUri()).isEqualTo("redis://h:6379");
    }

    @Test
    void aBackendOnASentinelUriSaysSoWithoutThePassword() {
        assertThat(RedisBackend.create("redis-sentinel://:s3cret@h1:26379#mymaster")
                        .toString())
                .contains("redis-sentinel://h1:26379#mymaster")
                .doesNotContain("s3cret");
    }
}
