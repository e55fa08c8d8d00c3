package io.socketserve.netty.testing;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A {@link SocketServer} (in-memory unless the options say otherwise) served by an {@link
 * EmbeddedServer} (or another {@link TransportFixture}) on {@code 127.0.0.1} and a free port, with factories for {@link TestClient}s.
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
    private final TransportFixture transport;
    private final TransportFixture.Running http;
    private final List<TestClient> clients = new ArrayList<>();

    private TestServer(SocketServer server, TransportFixture transport, TransportFixture.Running http) {
        this.server = server;
        this.transport = transport;
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

    /** Served by {@link TransportFixture#selected()} (the embedded Netty server unless told otherwise). */
    public static TestServer start(ServerOptions options) {
        return start(TransportFixture.selected(), options);
    }

    /** Default options changed by {@code options}, served by {@code transport}. */
    public static TestServer start(TransportFixture transport, UnaryOperator<ServerOptions.Builder> options) {
        return start(transport, options.apply(ServerOptions.builder()).build());
    }

    /**
     * Default options changed by {@code options}, served by {@link TransportFixture#selected()} with
     * connection settings changed by {@code connections} (a short request timeout, say).
     */
    public static TestServer start(
            UnaryOperator<ServerOptions.Builder> options, UnaryOperator<TransportFixture.Connections> connections) {
        return start(
                TransportFixture.selected(),
                options.apply(ServerOptions.builder()).build(),
                connections.apply(TransportFixture.Connections.DEFAULTS));
    }

    /** Served by {@code transport} instead of the embedded Netty server. */
    public static TestServer start(TransportFixture transport, ServerOptions options) {
        return start(transport, options, TransportFixture.Connections.DEFAULTS);
    }

    /** Served by {@code transport} with these connection settings. */
    public static TestServer start(
            TransportFixture transport, ServerOptions options, TransportFixture.Connections connections) {
        SocketServer server = SocketServer.create(options);
        try {
            return new TestServer(server, transport, transport.start(server, connections));
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    public SocketServer server() {
        return server;
    }

    /**
     * The embedded server (Netty transport only: a suite that runs on every transport uses {@link
     * #port()} or {@link #address()}).
     */
    public EmbeddedServer http() {
        return http.embedded();
    }

    /** The transport it is served by. */
    public TransportFixture transport() {
        return transport;
    }

    /** The port it is served on. */
    public int port() {
        return http.port();
    }

    /** {@code 127.0.0.1:<port>}, for raw sockets. */
    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", http.port());
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
