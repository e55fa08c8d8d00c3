package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.socketserve.SocketServeException;
import io.socketserve.spi.BackendUnavailableException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RateLimitedWarningTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger("rate-limited-warning-test");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    RateLimitedWarningTest() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(appender);
    }

    @Test
    void aBackendOutageIsOneLineWithEveryCauseAndNoStack() {
        RateLimitedWarning warning = new RateLimitedWarning(logger, Duration.ofSeconds(10));
        Exception timeout = new java.util.concurrent.TimeoutException("HGETALL timed out after 800 ms");
        warning.warn(
                "{} answered 503",
                "POST /message",
                new SocketServeException(
                        "unavailable",
                        "the backend is unavailable",
                        503,
                        new BackendUnavailableException("Redis at 127.0.0.1:6390 is unavailable", timeout)));
        assertThat(appender.list).hasSize(1);
        ILoggingEvent e = appender.list.get(0);
        assertThat(e.getThrowableProxy()).isNull();
        assertThat(e.getFormattedMessage())
                .isEqualTo("POST /message answered 503: the backend is unavailable ← Redis at 127.0.0.1:6390 is"
                        + " unavailable ← HGETALL timed out after 800 ms");
    }

    @Test
    void anyOtherFailureKeepsItsStackAndLaterOnesAreCounted() {
        RateLimitedWarning warning = new RateLimitedWarning(logger, Duration.ofHours(1));
        warning.warn("{} failed", "GET /sse", new IllegalStateException("a bug"));
        warning.warn("{} failed", "GET /sse", new IllegalStateException("a bug"));
        assertThat(appender.list).hasSize(1);
        assertThat(appender.list.get(0).getThrowableProxy()).isNotNull();
    }
}
