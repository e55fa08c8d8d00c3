package io.socketserve.spring.boot;

import io.socketserve.ServerHealth;
import io.socketserve.SocketServer;
import io.socketserve.spi.Backend;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Actuator health of socket-serve ({@code /actuator/health/socketServe}), from {@link
 * SocketServer#health()}: {@code UP} while the backend answers a read of the log's head within
 * {@code socketserve.backend-timeout} and this instance's log reader keeps up with the log; {@code
 * DOWN} when the backend does not answer (Redis stopped or unreachable) or when the reader is stalled
 * — it has shown no progress for longer than {@code socketserve.reader-stall-timeout} while the
 * backend answers, so this instance's clients get no messages although its requests still succeed.
 * The {@code error} detail says which, in words.
 *
 * <p>Details: {@code backend} (its class), {@code logHead}, {@code readerPosition}, {@code
 * lastReaderProgress}, {@code readerStalled}, and {@code error} when {@code DOWN}. Registered when
 * {@code spring-boot-health} is on the class path and the starter created the {@link SocketServer}.
 */
public final class SocketServeHealthIndicator implements HealthIndicator {

    private final SocketServer server;
    private final String backend;

    /**
     * @param server the server whose {@link SocketServer#health()} is reported
     * @param backend its backend, named in the details
     */
    public SocketServeHealthIndicator(SocketServer server, Backend backend) {
        this.server = server;
        this.backend = backend.getClass().getSimpleName();
    }

    @Override
    public Health health() {
        ServerHealth h = server.health();
        Health.Builder health = h.healthy() ? Health.up() : Health.down();
        health.withDetail("backend", backend);
        if (h.backendReachable()) {
            health.withDetail("logHead", h.logHead());
        }
        health.withDetail("readerPosition", h.readerPosition())
                .withDetail("lastReaderProgress", h.lastReaderProgress().toString())
                .withDetail("readerStalled", h.readerStalled());
        if (h.problem() != null) {
            health.withDetail("error", h.problem());
        }
        return health.build();
    }
}
