package io.socketserve.netty.testing;

import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;

/**
 * Serves a {@link SocketServer} over some HTTP transport on {@code 127.0.0.1} and a free port, for
 * the HTTP behaviour suites: the same tests run against every transport ({@code DESIGN.md}
 * invariant 10). {@link #NETTY} is the embedded server; the Servlet module adds Tomcat and Jetty.
 *
 * <pre>{@code
 * try (TestServer ts = TestServer.start(TransportFixture.NETTY, o -> o)) { ... }
 * }</pre>
 */
public interface TransportFixture {

    /** A running transport. */
    interface Running extends AutoCloseable {
        /** The port it listens on. */
        int port();

        /** The embedded server, when this is the Netty transport. */
        default EmbeddedServer embedded() {
            throw new UnsupportedOperationException("not the embedded Netty server");
        }

        /** Stops serving (not the socket server). */
        @Override
        void close();
    }

    /** Starts serving {@code server}. */
    Running start(SocketServer server);

    /** The name shown in test reports. */
    String name();

    /**
     * This transport with event streams gzip-encoded at {@code level} (1..9) for clients that accept
     * it ({@code EmbeddedServer.Builder#streamCompression}, {@code SocketServeServlet#streamCompression}).
     */
    TransportFixture streamCompression(int level);

    /** {@value}: system property naming the transport {@link TestServer#start()} uses (default netty). */
    String PROPERTY = "socketserve.transport";

    /**
     * The transport named by {@link #PROPERTY}: {@link #NETTY}, or one found with {@link
     * java.util.ServiceLoader} (the Servlet module registers {@code tomcat} and {@code jetty}), so
     * that a whole suite can be run against another transport unchanged.
     */
    static TransportFixture selected() {
        String name = System.getProperty(PROPERTY, NETTY.name());
        if (name.equals(NETTY.name())) {
            return NETTY;
        }
        for (TransportFixture f : java.util.ServiceLoader.load(TransportFixture.class)) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalStateException("no transport fixture named " + name);
    }

    /** The embedded Netty server, as the suites have always run it. */
    TransportFixture NETTY = netty(0);

    private static TransportFixture netty(int compression) {
        return new TransportFixture() {
            @Override
            public Running start(SocketServer server) {
                EmbeddedServer http = EmbeddedServer.builder(server)
                        .host("127.0.0.1")
                        .port(0)
                        .ioThreads(2)
                        // Keep the kernel from absorbing megabytes for a client that does not read, so
                        // that back-pressure tests see the server's own buffer limit.
                        .socketSendBufferBytes(32 * 1024)
                        .streamCompression(compression)
                        .start();
                return new Running() {
                    @Override
                    public int port() {
                        return http.port();
                    }

                    @Override
                    public EmbeddedServer embedded() {
                        return http;
                    }

                    @Override
                    public void close() {
                        http.close();
                    }
                };
            }

            @Override
            public String name() {
                return "netty";
            }

            @Override
            public TransportFixture streamCompression(int level) {
                return netty(level);
            }

            @Override
            public String toString() {
                return name();
            }
        };
    }
}
