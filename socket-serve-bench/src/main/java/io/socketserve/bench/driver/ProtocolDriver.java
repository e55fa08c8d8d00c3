package io.socketserve.bench.driver;

import java.util.concurrent.CompletionStage;
import java.util.function.LongConsumer;

/**
 * How the load generator talks to a server. Workloads only see this interface, {@link ClientSession}
 * and {@link StreamListener}, so that a second wire protocol (a WebSocket transport, the original
 * socket-serve protocol, …) is one more implementation, not a change to every scenario.
 *
 * <p>Implementations are non-blocking: every method returns at once and completes its stage on an
 * I/O thread. Continuations attached to those stages must not block.
 */
public interface ProtocolDriver extends AutoCloseable {

    /** A short name for reports ({@code "sse-http1"}). */
    String name();

    /** Number of server instances the driver spreads sessions over. */
    int instances();

    /** Opens a connection to instance {@code instance} and creates a session on it. */
    CompletionStage<ClientSession> connect(int instance);

    /**
     * Creates {@code count} sessions one after another over one keep-alive connection, opening no
     * stream: the rate at which the server creates sessions, without a TCP handshake per session.
     * Reports each creation's duration to {@code latencyNanos} (on an I/O thread); completes with the
     * number created.
     */
    CompletionStage<Integer> connectSequentially(int instance, int count, LongConsumer latencyNanos);

    /** Counters of the transport itself (connections opened, stream resumes, …). */
    DriverStats stats();

    /** Closes every connection and stops the I/O threads. */
    @Override
    void close();
}
