package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisBackendOptionsClusterTest {

    @Test
    void clusterNodesMakeAClusterBackendWithOneLettuceUriPerSeed() {
        RedisBackendOptions o = RedisBackendOptions.builder()
                .clusterNodes(List.of("redis://:pw@10.0.0.1:7000", "redis://:pw@10.0.0.2:7001"))
                .commandTimeout(Duration.ofMillis(700))
                .build();
        assertThat(o.isCluster()).isTrue();
        List<RedisURI> uris = o.clusterRedisUris();
        assertThat(uris).extracting(RedisURI::getPort).containsExactly(7000, 7001);
        assertThat(uris).allSatisfy(u -> assertThat(u.getTimeout()).isEqualTo(Duration.ofMillis(700)));
        assertThat(o.redactedUri()).isEqualTo("redis://10.0.0.1:7000,10.0.0.2:7001");
        assertThat(o.toString())
                .contains("clusterNodes=redis://10.0.0.1:7000,10.0.0.2:7001")
                .doesNotContain("pw");
        assertThat(o.toBuilder().build().clusterNodes()).isEqualTo(o.clusterNodes());
        assertThat(RedisBackendOptions.ofCluster("redis://h:7000").isCluster()).isTrue();
        assertThat(RedisBackendOptions.of("redis://h:6379").isCluster()).isFalse();
    }

    @Test
    void anEmptyListIsRejected() {
        assertThatThrownBy(() -> RedisBackendOptions.builder().clusterNodes(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clusterNodes is empty");
    }

    @Test
    void mixedSchemesAreRejected() {
        assertThatThrownBy(() -> RedisBackendOptions.builder().clusterNodes("redis://a:7000", "rediss://b:7000"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mixes redis:// and rediss://");
    }

    @Test
    void sentinelUrisAreRejected() {
        assertThatThrownBy(() -> RedisBackendOptions.builder()
                        .clusterNodes("redis://a:7000", "redis-sentinel://:pw@s1:26379,s2:26379/0#mymaster"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clusterNodes[1] is a Sentinel URI")
                .hasMessageNotContaining("pw");
    }

    @Test
    void aDatabaseOtherThanZeroIsRejected() {
        assertThatThrownBy(() -> RedisBackendOptions.builder().clusterNodes("redis://a:7000/3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("database 0 only");
    }

    @Test
    void anUnparsableUriIsRejectedWithoutEchoingIt() {
        assertThatThrownBy(() -> RedisBackendOptions.builder().clusterNodes("http://user:s3cret@a:7000"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clusterNodes[0]")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void uriAndClusterNodesAreExclusive() {
        assertThatThrownBy(() -> RedisBackendOptions.builder()
                        .uri("redis://a:6379")
                        .clusterNodes("redis://a:7000")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("both uri and clusterNodes");
    }
}
