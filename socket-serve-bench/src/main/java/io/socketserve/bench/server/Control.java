package io.socketserve.bench.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;

/**
 * The line protocol between the generator and a server process it started: the server prints {@code
 * READY <port>} on stdout, then answers each command read from stdin with one JSON line. Commands:
 * {@code stats}, {@code gc} (full GC, then stats), {@code quit}. Logs go to stderr.
 */
final class Control {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Control() {}

    /** Announces the port and serves commands until {@code quit} or end of input. */
    static void serve(int port, Runnable shutdown) throws IOException {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
        out.println("READY " + port);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            switch (line.trim()) {
                case "stats" -> out.println(JSON.writeValueAsString(stats()));
                case "gc" -> {
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                        try {
                            Thread.sleep(200);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    out.println(JSON.writeValueAsString(stats()));
                }
                case "quit" -> {
                    out.println("{}");
                    shutdown.run();
                    return;
                }
                default -> out.println("{\"error\":\"unknown command\"}");
            }
        }
        shutdown.run();
    }

    static ObjectNode stats() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        ObjectNode o = JSON.createObjectNode();
        o.put("heapUsed", heap.getUsed());
        o.put("heapCommitted", heap.getCommitted());
        o.put("nonHeapUsed", nonHeap.getUsed());
        o.put("nettyDirect", io.netty.util.internal.PlatformDependent.usedDirectMemory());
        o.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
        return o;
    }
}
