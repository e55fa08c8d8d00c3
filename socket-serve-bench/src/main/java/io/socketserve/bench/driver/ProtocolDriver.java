package io.socketserve.bench.driver;

import java.util.concurrent.CompletionStage;

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

    /** Counters of the transport itself (connections opened, stream resumes, …). */
    DriverStats stats();

    /** Closes every connection and stops the I/O threads. */
    @Override
    void close();
}
