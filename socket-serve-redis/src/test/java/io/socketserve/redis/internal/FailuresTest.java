package io.socketserve.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.socketserve.spi.BackendUnavailableException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class FailuresTest {

    private static final String WHERE = "redis://h:6379";

    @Test
    void aRejectedCommandWhileDisconnectedIsUnavailable() {
        Throwable t = Failures.translate(
                new CompletionException(new RedisException("Currently not connected. Commands are rejected.")), WHERE);
        assertThat(t).isInstanceOf(BackendUnavailableException.class).hasMessageContaining(WHERE);
    }

    @Test
    void aTimeoutIsUnavailable() {
        assertThat(Failures.translate(new RedisCommandTimeoutException("Command timed out"), WHERE))
                .isInstanceOf(BackendUnavailableException.class);
    }

    @Test
    void aConnectionFailureIsUnavailable() {
        assertThat(Failures.translate(new RedisConnectionException("refused"), WHERE))
                .isInstanceOf(BackendUnavailableException.class);
    }

    @Test
    void loadingAndBusyRepliesAreUnavailable() {
        assertThat(Failures.translate(new RedisCommandExecutionException("LOADING Redis is loading"), WHERE))
                .isInstanceOf(BackendUnavailableException.class);
        assertThat(Failures.translate(new RedisCommandExecutionException("BUSY script running"), WHERE))
                .isInstanceOf(BackendUnavailableException.class);
    }

    @Test
    void otherErrorRepliesAreBugsNotUnavailability() {
        assertThat(Failures.translate(new RedisCommandExecutionException("ERR duplicate session id"), WHERE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("duplicate session id");
    }

    @Test
    void anythingElseIsLeftAlone() {
        IllegalArgumentException e = new IllegalArgumentException("x");
        assertThat(Failures.translate(new CompletionException(e), WHERE)).isSameAs(e);
    }
}
