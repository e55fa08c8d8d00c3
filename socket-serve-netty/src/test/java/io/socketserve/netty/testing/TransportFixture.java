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

    /**
     * What belongs to the HTTP server rather than to the engine's {@code ServerOptions}: each fixture
     * maps it to its own knobs, so that a suite that needs a short request timeout or a small kernel
     * send buffer asks for it once and gets it from every transport.
     *
     * @param requestTimeoutMillis time for a request to arrive completely, and for an idle
     *     keep-alive connection to be closed ({@code EmbeddedServer.Builder.requestTimeoutMillis},
     *     Tomcat {@code connectionTimeout}, Jetty connector idle timeout)
     * @param maxHeaderBytes largest request line plus headers ({@code maxHeaderBytes}, Tomcat {@code
     *     maxHttpHeaderSize}, Jetty {@code HttpConfiguration.requestHeaderSize})
     * @param socketSendBufferBytes the kernel send buffer of each connection, kept small so that a
     *     client that does not read meets the server's own buffer limit ({@code
     *     socketSendBufferBytes}, Tomcat {@code socket.txBufSize}, Jetty accepted send buffer size)
     * @param streamCompression gzip level 1..9 for the event streams of clients that accept it, 0
     *     for none ({@code EmbeddedServer.Builder.streamCompression}, {@code
     *     SocketServeServlet.streamCompression})
     */
    record Connections(int requestTimeoutMillis, int maxHeaderBytes, int socketSendBufferBytes, int streamCompression) {

        /** The embedded server's defaults, with a 32 KiB send buffer. */
        public static final Connections DEFAULTS = new Connections(
                EmbeddedServer.DEFAULT_REQUEST_TIMEOUT_MILLIS, EmbeddedServer.DEFAULT_MAX_HEADER_BYTES, 32 * 1024, 0);

        public Connections requestTimeoutMillis(int millis) {
            return new Connections(millis, maxHeaderBytes, socketSendBufferBytes, streamCompression);
        }

        public Connections maxHeaderBytes(int bytes) {
            return new Connections(requestTimeoutMillis, bytes, socketSendBufferBytes, streamCompression);
        }

        public Connections streamCompression(int level) {
            return new Connections(requestTimeoutMillis, maxHeaderBytes, socketSendBufferBytes, level);
        }
    }

    /** Starts serving {@code server} with {@link Connections#DEFAULTS}. */
    default Running start(SocketServer server) {
        return start(server, Connections.DEFAULTS);
    }

    /** Starts serving {@code server} with these connection settings. */
    Running start(SocketServer server, Connections connections);

    /** The name shown in test reports. */
    String name();

    /**
     * Whether the HTTP layer refuses a request target whose dot-segments climb above the root
     * ({@code /../etc/passwd}, {@code /%2e%2e/x}) with {@code 400 bad_request} before anything
     * routes it, as Tomcat and Jetty do; the embedded server routes it and answers {@code 404
     * not_found}. Either way it is a JSON 4xx and nothing is served: the suites expect exactly the
     * answer of the transport at hand.
     */
    default boolean refusesPathsAboveTheRoot() {
        return false;
    }

    /**
     * Whether the server closes a connection whose request has not arrived completely within {@link
     * Connections#requestTimeoutMillis()} even while its bytes keep trickling in (slowloris). The
     * embedded server does. Tomcat's {@code connectionTimeout} and Jetty's idle timeout bound only
     * silence: a client that sends a byte every 50 ms keeps its connection (though no thread) until
     * it stops; {@code docs/servlet.md} says what to put in front. The suites check the cut where the
     * transport makes it, and that silence is cut everywhere.
     */
    default boolean cutsOffTricklingRequests() {
        return true;
    }

    /**
     * The loggers of the container itself, if it is not socket-serve's own server: below INFO they
     * trace every request, URI and query string included, like an access log (which {@code
     * docs/deploy.md} keeps the credential out of); the suites that read the logs keep them at INFO.
     */
    default java.util.List<String> containerLoggers() {
        return java.util.List.of();
    }

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
    TransportFixture NETTY = new TransportFixture() {
        @Override
        public Running start(SocketServer server, Connections connections) {
            EmbeddedServer http = EmbeddedServer.builder(server)
                    .host("127.0.0.1")
                    .port(0)
                    .ioThreads(2)
                    .warmUp(0) // the suites measure behaviour, not a cold JIT (WarmUpIT covers it)
                    .requestTimeoutMillis(connections.requestTimeoutMillis())
                    .maxHeaderBytes(connections.maxHeaderBytes())
                    // Keep the kernel from absorbing megabytes for a client that does not read, so
                    // that back-pressure tests see the server's own buffer limit.
                    .socketSendBufferBytes(connections.socketSendBufferBytes())
                    .streamCompression(connections.streamCompression())
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
        public String toString() {
            return name();
        }
    };
}
