package io.socketserve;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * This instance's health, as {@link SocketServer#health()} reports it: whether its backend answers,
 * and whether its log reader keeps up with the log. For health checks — a load balancer's, an
 * orchestrator's, the Spring Boot starter's {@code socketServe} health indicator.
 *
 * <pre>{@code
 * ServerHealth health = server.health();
 * if (!health.healthy()) {
 *     log.warn("socket-serve is unhealthy: {}", health.problem());
 * }
 * }</pre>
 *
 * <p>Every instance reads the whole message log and delivers what it reads to the clients attached
 * to it. A reader that has stopped — a delivery thread that is stuck, a log subscription that no
 * longer delivers although the backend answers — leaves this instance's clients without their
 * messages while every request still succeeds. {@link #readerStalled()} says so: the reader is
 * stalled when the backend answers but the reader has shown no progress for longer than {@link
 * ServerOptions#readerStallTimeout()}. It shows progress when it processes new entries, or when it
 * is found caught up with the log's head (the server checks every quarter of that timeout). Time
 * before the backend's last trouble (a failed read, a lost log subscription) does not count: a
 * reader cannot read a backend that is down.
 *
 * @param backendReachable whether the backend answered a read of the log's head within {@link
 *     ServerOptions#backendTimeout()}
 * @param logHead the position of the newest entry of the log; {@code -1} when the backend did not
 *     answer. For a log of several partitions, the sum of the partitions' heads (and {@link
 *     #problem()} names each)
 * @param readerPosition the position up to which this instance's reader has processed the log; for
 *     several partitions, the sum of the positions reached in each
 * @param lastReaderProgress when the reader last processed new entries or was found caught up with
 *     the head
 * @param readerStalled whether the backend answers but the reader has shown no progress for longer
 *     than {@link ServerOptions#readerStallTimeout()}; {@code false} while the backend does not answer
 * @param problem what is wrong, in words for people (with the backend's failure, or how long the
 *     reader has shown no progress); {@code null} when {@link #healthy()}
 * @since 0.2
 */
public record ServerHealth(
        boolean backendReachable,
        long logHead,
        long readerPosition,
        Instant lastReaderProgress,
        boolean readerStalled,
        @Nullable String problem) {

    /** Whether the backend answers and the log reader is not stalled. */
    public boolean healthy() {
        return backendReachable && !readerStalled;
    }
}
