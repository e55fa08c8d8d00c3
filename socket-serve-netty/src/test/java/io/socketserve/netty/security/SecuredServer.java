package io.socketserve.netty.security;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import io.socketserve.netty.testing.TestClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Like {@code TestServer}, but the {@link EmbeddedServer} can be configured too (request timeout,
 * header limit): a socket server on {@code 127.0.0.1} and a free port, and clients of it.
 */
final class SecuredServer implements AutoCloseable {

    private final SocketServer server;
    private final EmbeddedServer http;
    private final List<TestClient> clients = new ArrayList<>();

    private SecuredServer(SocketServer server, EmbeddedServer http) {
        this.server = server;
        this.http = http;
    }

    static SecuredServer start(
            UnaryOperator<ServerOptions.Builder> options, UnaryOperator<EmbeddedServer.Builder> transport) {
        SocketServer server =
                SocketServer.create(options.apply(ServerOptions.builder()).build());
        try {
            EmbeddedServer http = transport
                    .apply(EmbeddedServer.builder(server)
                            .host("127.0.0.1")
                            .port(0)
                            .ioThreads(2))
                    .start();
            return new SecuredServer(server, http);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    SocketServer server() {
        return server;
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", http.port());
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + http.port() + server.options().basePath());
    }

    synchronized TestClient client() {
        TestClient c = new TestClient(base());
        clients.add(c);
        return c;
    }

    TestClient connectedClient() {
        TestClient c = client();
        c.connect();
        return c;
    }

    TestClient streamingClient() {
        TestClient c = connectedClient();
        c.openStream();
        return c;
    }

    synchronized TestClient track(TestClient c) {
        clients.add(c);
        return c;
    }

    @Override
    public void close() {
        synchronized (this) {
            clients.forEach(TestClient::close);
        }
        http.close();
        server.close();
    }
}
