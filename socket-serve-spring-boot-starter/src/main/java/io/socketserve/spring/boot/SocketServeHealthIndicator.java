package io.socketserve.spring.boot;

import io.socketserve.spi.Backend;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Actuator health of socket-serve ({@code /actuator/health/socketServe}): {@code UP} with the log's
 * head position when the backend answers a read of the log head within {@code timeout}, {@code
 * DOWN} with the failure otherwise (Redis stopped or unreachable). Registered when {@code
 * spring-boot-health} is on the class path and the starter created the {@link Backend} (or the
 * application defined one).
 */
public final class SocketServeHealthIndicator implements HealthIndicator {

    private final Backend backend;
    private final Duration timeout;

    public SocketServeHealthIndicator(Backend backend, Duration timeout) {
        this.backend = backend;
        this.timeout = timeout;
    }

    @Override
    public Health health() {
        try {
            long head = backend.head().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return Health.up()
                    .withDetail("backend", backend.getClass().getSimpleName())
                    .withDetail("logHead", head)
                    .build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down(e).build();
        } catch (Exception e) {
            return Health.down(e)
                    .withDetail("backend", backend.getClass().getSimpleName())
                    .build();
        }
    }
}
