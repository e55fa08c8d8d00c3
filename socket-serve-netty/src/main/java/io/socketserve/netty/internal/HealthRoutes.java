package io.socketserve.netty.internal;

import io.socketserve.ServerHealth;
import io.socketserve.transport.JsonStrings;
import io.socketserve.transport.TransportResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code GET /health/live} and {@code GET /health/ready} of the embedded server, for load balancers
 * and orchestrators (a Kubernetes liveness and readiness probe); and {@code GET /metrics}, the
 * Prometheus text of a meter registry, when one is given.
 *
 * <ul>
 *   <li>{@code /health/live}: {@code 200 {"status":"UP"}} while the server answers HTTP at all.
 *   <li>{@code /health/ready}: {@code 200} with {@code "status":"UP"} when the backend answers, the
 *       log reader keeps up ({@link ServerHealth#healthy()}), the warm-up has finished ({@link
 *       WarmUp}) and the server is not draining;
 *       otherwise {@code 503} with {@code "status":"DOWN"} and the {@code problem}. The body carries
 *       the details of {@link ServerHealth} either way.
 * </ul>
 *
 * <p>{@link ServerHealth} reads the backend (bounded by the backend timeout), so it is computed on a
 * thread of its own, never on an event loop.
 */
public final class HealthRoutes {

    static final String LIVE = "/health/live";
    static final String READY = "/health/ready";

    private static final Executor PROBES = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "socket-serve-health");
        t.setDaemon(true);
        return t;
    });

    static final String METRICS = "/metrics";

    /** Content type of the Prometheus text exposition format. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final Supplier<ServerHealth> health;
    private final BooleanSupplier draining;
    private final boolean healthChecks;
    private final @org.jspecify.annotations.Nullable Supplier<String> metrics;
    private final BooleanSupplier warm;

    public HealthRoutes(Supplier<ServerHealth> health, BooleanSupplier draining) {
        this(health, draining, true, null, () -> true);
    }

    /**
     * @param healthChecks whether to answer the health paths
     * @param metrics the Prometheus text of a meter registry ({@code registry::scrape}), or {@code
     *     null} for no {@code /metrics}
     * @param warm whether the warm-up has finished: not ready until then (issue 16)
     */
    public HealthRoutes(
            Supplier<ServerHealth> health,
            BooleanSupplier draining,
            boolean healthChecks,
            @org.jspecify.annotations.Nullable Supplier<String> metrics,
            BooleanSupplier warm) {
        this.health = health;
        this.draining = draining;
        this.healthChecks = healthChecks;
        this.metrics = metrics;
        this.warm = warm;
    }

    static boolean isHealthPath(String path) {
        return path.equals(LIVE) || path.equals(READY);
    }

    /** Whether this answers {@code path}. */
    boolean answers(String path) {
        return healthChecks && isHealthPath(path) || metrics != null && path.equals(METRICS);
    }

    /** The answer to a path it {@link #answers}. */
    CompletionStage<TransportResponse> answer(String path) {
        Supplier<String> scrape = metrics;
        if (path.equals(METRICS) && scrape != null) {
            return CompletableFuture.supplyAsync(
                    () -> new TransportResponse(
                                    200,
                                    PROMETHEUS_TEXT,
                                    scrape.get().getBytes(StandardCharsets.UTF_8),
                                    java.util.Map.of())
                            .withHeader("Cache-Control", "no-store"),
                    PROBES);
        }
        if (path.equals(LIVE)) {
            return CompletableFuture.completedFuture(json(200, "{\"status\":\"UP\"}"));
        }
        return CompletableFuture.supplyAsync(this::ready, PROBES);
    }

    private TransportResponse ready() {
        ServerHealth h = health.get();
        boolean drainingNow = draining.getAsBoolean();
        boolean warmNow = warm.getAsBoolean();
        boolean up = h.healthy() && !drainingNow && warmNow;
        // Public words only: the backend's own failure (its address) stays in the server's log.
        String problem = drainingNow
                ? "the server is shutting down"
                : !h.backendReachable()
                        ? "the backend does not answer"
                        : h.readerStalled()
                                ? "the log reader has stopped making progress"
                                : !warmNow ? "warming up" : null;
        StringBuilder body = new StringBuilder(256)
                .append("{\"status\":\"")
                .append(up ? "UP" : "DOWN")
                .append("\",\"backendReachable\":")
                .append(h.backendReachable())
                .append(",\"readerStalled\":")
                .append(h.readerStalled())
                .append(",\"draining\":")
                .append(drainingNow)
                .append(",\"warm\":")
                .append(warmNow)
                .append(",\"logHead\":")
                .append(h.logHead())
                .append(",\"readerPosition\":")
                .append(h.readerPosition())
                .append(",\"lastReaderProgress\":")
                .append(JsonStrings.quote(h.lastReaderProgress().toString()));
        if (!up && problem != null) {
            body.append(",\"problem\":").append(JsonStrings.quote(problem));
        }
        body.append('}');
        TransportResponse r = json(up ? 200 : 503, body.toString());
        return up ? r : r.withHeader("Retry-After", "1");
    }

    private static TransportResponse json(int status, String body) {
        return TransportResponse.json(status, body.getBytes(StandardCharsets.UTF_8))
                .withHeader("Cache-Control", "no-store");
    }
}
