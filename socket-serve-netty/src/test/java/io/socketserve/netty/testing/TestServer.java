package io.socketserve.netty.testing;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A {@link SocketServer} (in-memory unless the options say otherwise) served by an {@link
 * EmbeddedServer} on {@code 127.0.0.1} and a free port, with factories for {@link TestClient}s.
 * Closing it closes the clients' streams, the HTTP server and the socket server.
 *
 * <pre>{@code
 * try (TestServer ts = TestServer.start(o -> o.sessionTimeout(Duration.ofMillis(500)))) {
 *     ts.server().on("echo", (socket, data, ack) -> socket.emit("echo", data));
 *     TestClient c = ts.connectedClient();
 *     ...
 * }
 * }</pre>
 */
public final class TestServer implements AutoCloseable {

    private final SocketServer server;
    private final EmbeddedServer http;
    private final List<TestClient> clients = new ArrayList<>();

    private TestServer(SocketServer server, EmbeddedServer http) {
        this.server = server;
        this.http = http;
    }

    /** Default options. */
    public static TestServer start() {
        return start(ServerOptions.defaults());
    }

    /** Default options changed by {@code options}. */
    public static TestServer start(UnaryOperator<ServerOptions.Builder> options) {
        return start(options.apply(ServerOptions.builder()).build());
    }

    public static TestServer start(ServerOptions options) {
        SocketServer server = SocketServer.create(options);
        try {
            EmbeddedServer http = EmbeddedServer.builder(server)
                    .host("127.0.0.1")
                    .port(0)
                    .ioThreads(2)
                    // Keep the kernel from absorbing megabytes for a client that does not read, so
                    // that back-pressure tests see the server's own buffer limit.
                    .socketSendBufferBytes(32 * 1024)
                    .start();
            return new TestServer(server, http);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    public SocketServer server() {
        return server;
    }

    public EmbeddedServer http() {
        return http;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI origin() {
        return URI.create("http://127.0.0.1:" + http.port());
    }

    /** {@code http://127.0.0.1:<port><base path>}. */
    public URI base() {
        return URI.create(origin() + server.options().basePath());
    }

    /** A new client, not connected yet. */
    public synchronized TestClient client() {
        TestClient c = new TestClient(base());
        clients.add(c);
        return c;
    }

    /** A new connected client (no stream yet). */
    public TestClient connectedClient() {
        TestClient c = client();
        c.connect();
        return c;
    }

    /** A new connected client with its stream open (its {@code connected} frame consumed). */
    public TestClient streamingClient() {
        TestClient c = connectedClient();
        c.openStream();
        return c;
    }

    /** Keeps a client made elsewhere (a twin) to close with the others. */
    public synchronized TestClient track(TestClient c) {
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
