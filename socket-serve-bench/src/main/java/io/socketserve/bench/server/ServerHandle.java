package io.socketserve.bench.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.util.List;

/** The server side of a run as the generator sees it: where to connect, and how to measure it. */
public interface ServerHandle extends AutoCloseable {

    /** What runs there, for reports ({@code socket-serve (in-memory)}, {@code ceiling}, …). */
    String label();

    /** One address per instance. */
    List<InetSocketAddress> endpoints();

    /** CPU time of every server process together, in nanoseconds. */
    long cpuNanos();

    /** CPU time per thread group of the first server process, in nanoseconds (see {@link ProcStats#threadCpuNanos}). */
    default java.util.Map<String, Long> threadCpuNanos() {
        return java.util.Map.of();
    }

    /** Resident memory of every server process together, in bytes. */
    long rssBytes();

    /** Forces full GCs in every instance and returns each instance's stats ({@code heapUsed}, …). */
    List<JsonNode> gc();

    @Override
    void close();
}
