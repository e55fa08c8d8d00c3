package io.socketserve.internal;

import io.socketserve.ServerHealth;
import io.socketserve.spi.Backend;
import io.socketserve.spi.LogPosition;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches this instance's log reader (the {@link Dispatcher} fed by the backend's log subscription)
 * and answers {@link io.socketserve.SocketServer#health()}.
 *
 * <p>The dispatcher records its progress: each batch that moves its position forward. An idle reader
 * has nothing to process, so every quarter of the stall timeout a probe reads the log's head and
 * asks the dispatcher, on its own thread, whether it has reached it ({@link
 * Dispatcher#confirmCaughtUp}); a reader that is up to date then counts as progressing, and a
 * dispatcher thread that is stuck never answers. The reader is stalled when the backend answers but
 * neither progress nor {@link BackendHealth backend trouble} (a failed probe among them) was seen for
 * longer than the stall timeout.
 */
final class ReaderWatch {

    private static final Logger log = LoggerFactory.getLogger(ReaderWatch.class);

    private final Backend backend;
    private final Dispatcher dispatcher;
    private final BackendHealth health;
    private final long stallMillis;
    private final Duration backendTimeout;
    private final EngineStats stats;

    ReaderWatch(
            Backend backend,
            Dispatcher dispatcher,
            BackendHealth health,
            Duration readerStallTimeout,
            Duration backendTimeout,
            EngineStats stats) {
        this.stats = stats;
        this.backend = backend;
        this.dispatcher = dispatcher;
        this.health = health;
        this.stallMillis = readerStallTimeout.toMillis();
        this.backendTimeout = backendTimeout;
    }

    /** Schedules the probe, every quarter of the stall timeout. */
    void start(ScheduledExecutorService timer) {
        long period = Math.max(10, stallMillis / 4);
        timer.scheduleWithFixedDelay(this::probe, period, period, TimeUnit.MILLISECONDS);
    }

    private void probe() {
        heads().whenComplete((head, error) -> {
            if (error != null) {
                log.debug("reader probe could not read the log head: {}", error.toString());
                health.trouble();
                stats.backendErrors.increment();
            } else {
                stats.head(sum(head));
                dispatcher.confirmCaughtUp(head);
            }
        });
    }

    /** The health now; blocks up to the backend timeout for one read of the log's head. */
    ServerHealth check() {
        LogPosition at = dispatcher.processedPosition();
        long position = sum(at);
        Instant progress = Instant.ofEpochMilli(dispatcher.lastProgressMillis());
        LogPosition heads;
        try {
            heads = heads().toCompletableFuture().get(backendTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unreachable(position, progress, "interrupted while reading the log head");
        } catch (TimeoutException e) {
            return unreachable(
                    position,
                    progress,
                    "the backend did not answer a read of the log head within " + backendTimeout.toMillis() + " ms");
        } catch (ExecutionException | RuntimeException e) {
            return unreachable(position, progress, "the backend is unreachable: " + Blocking.unwrap(e));
        }
        long head = sum(heads);
        stats.head(head);
        long now = System.currentTimeMillis();
        long quietMillis = now - Math.max(progress.toEpochMilli(), health.lastTroubleMillis());
        if (quietMillis <= stallMillis) {
            return new ServerHealth(true, head, position, progress, false, null);
        }
        return new ServerHealth(
                true,
                head,
                position,
                progress,
                true,
                "the log reader is stalled: no progress for " + quietMillis + " ms (readerStallTimeout " + stallMillis
                        + " ms); it is at position " + at + ", the log head at " + heads);
    }

    /** The heads: {@code head()} for one partition (as before partitions), else every partition's. */
    private java.util.concurrent.CompletionStage<LogPosition> heads() {
        return backend.partitions() == 1 ? backend.head().thenApply(LogPosition::of) : backend.heads();
    }

    /**
     * A position as one number, for health and stats: itself for one partition, else the sum of its
     * components (entries across all partitions).
     */
    static long sum(LogPosition p) {
        long sum = 0;
        for (int i = 0; i < p.partitions(); i++) {
            sum += p.get(i);
        }
        return sum;
    }

    /** The health of a closed server: its backend is closed. */
    ServerHealth closed() {
        return unreachable(
                sum(dispatcher.processedPosition()),
                Instant.ofEpochMilli(dispatcher.lastProgressMillis()),
                "the server is closed");
    }

    private static ServerHealth unreachable(long position, Instant progress, String problem) {
        return new ServerHealth(false, -1, position, progress, false, problem);
    }
}
