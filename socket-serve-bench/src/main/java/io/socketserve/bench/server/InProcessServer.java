package io.socketserve.bench.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import java.net.InetSocketAddress;
import java.util.List;

/** A socket-serve server in the generator's own JVM (tests and quick checks: CPU and RSS are the generator's too). */
public final class InProcessServer implements ServerHandle {

    private final SocketServer server;
    private final EmbeddedServer http;

    public InProcessServer() {
        this.server = BenchServer.create(BenchServer.options().build());
        this.http = EmbeddedServer.builder(server)
                .host("127.0.0.1")
                .port(0)
                .serveClient(false)
                .warmUp(0) // in the generator's JVM: measured separately
                .start();
    }

    @Override
    public String label() {
        return "socket-serve (in-memory, same JVM)";
    }

    @Override
    public List<InetSocketAddress> endpoints() {
        return List.of(new InetSocketAddress("127.0.0.1", http.port()));
    }

    @Override
    public long cpuNanos() {
        return ProcStats.cpuNanos(ProcStats.self());
    }

    @Override
    public long rssBytes() {
        return ProcStats.rssBytes(ProcStats.self());
    }

    @Override
    public List<JsonNode> gc() {
        System.gc();
        return List.of(Control.stats());
    }

    @Override
    public void close() {
        http.close();
        server.close();
    }
}
