package io.socketserve.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class RedirectsTest {

    @Test
    void movedNamesTheNewOwner() {
        assertThat(Redirects.moved(
                        new CompletionException(new RedisCommandExecutionException("MOVED 3999 127.0.0.1:6381"))))
                .isEqualTo("127.0.0.1:6381");
        assertThat(Redirects.moved(new RedisCommandExecutionException("MOVED 3999 :6381")))
                .isEqualTo(":6381");
    }

    @Test
    void askIsNotMoved() {
        RedisCommandExecutionException ask = new RedisCommandExecutionException("ASK 3999 127.0.0.1:6381");
        assertThat(Redirects.moved(ask)).isNull();
        assertThat(Redirects.isAsk(ask)).isTrue();
    }

    @Test
    void otherFailuresAreNoRedirects() {
        assertThat(Redirects.moved(new RedisConnectionException("refused"))).isNull();
        assertThat(Redirects.moved(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down")))
                .isNull();
        assertThat(Redirects.isAsk(new RedisCommandExecutionException("ERR unknown")))
                .isFalse();
    }
}
