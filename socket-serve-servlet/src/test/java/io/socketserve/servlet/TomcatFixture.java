package io.socketserve.servlet;

import io.socketserve.SocketServer;
import io.socketserve.netty.testing.TransportFixture;
import io.socketserve.servlet.tomcat.JsonErrorReportValve;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.startup.Tomcat;

/** {@link SocketServeServlet} in an embedded Tomcat 11 on {@code 127.0.0.1} and a free port. */
public final class TomcatFixture implements TransportFixture {

    /**
     * Tomcat logs through java.util.logging: its start and stop lines at INFO, and, for every test
     * server, warnings that the socket server's threads (started on a request thread, stopped when
     * the socket server closes after Tomcat) outlive the context. Held here: JUL keeps loggers weakly.
     */
    private static final List<java.util.logging.Logger> QUIET = List.of(
            quiet("org.apache", java.util.logging.Level.WARNING),
            quiet("org.apache.catalina.loader.WebappClassLoaderBase", java.util.logging.Level.SEVERE));

    private static java.util.logging.Logger quiet(String name, java.util.logging.Level level) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(level);
        return logger;
    }

    /** Mount point of the protocol; {@code null}: the server's {@code basePath()}. */
    private final String mount;

    public TomcatFixture() {
        this("");
    }

    /** With the protocol mounted at {@code mount + "/*"} instead of the base path. */
    TomcatFixture(String mount) {
        this.mount = mount;
    }

    @Override
    public Running start(SocketServer server, Connections connections) {
        try {
            Path base = Files.createTempDirectory("tomcat");
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(base.toString());
            tomcat.setHostname("127.0.0.1");
            tomcat.setPort(0);
            Connector connector = tomcat.getConnector();
            connector.setProperty("address", "127.0.0.1");
            // Tomcat's connectionTimeout bounds each wait for request bytes and an idle keep-alive.
            connector.setProperty("connectionTimeout", Integer.toString(connections.requestTimeoutMillis()));
            connector.setProperty("maxHttpHeaderSize", Integer.toString(connections.maxHeaderBytes()));
            // As EmbeddedServer: no cap on the requests of one keep-alive connection (Tomcat's is 100).
            connector.setProperty("maxKeepAliveRequests", "-1");
            // Tomcat's own errors (parser refusals, unmapped paths) as JSON, as a deployment would.
            ((StandardHost) tomcat.getHost()).setErrorReportValveClass(JsonErrorReportValve.class.getName());
            // As the Netty fixture: the kernel must not absorb megabytes for a client that does not read.
            connector.setProperty("socket.txBufSize", Integer.toString(connections.socketSendBufferBytes()));
            Context ctx = tomcat.addContext("", null);
            // Tomcat waits up to unloadDelay (2 s) for open async requests — every open event stream —
            // before it destroys the servlet, which ends them: not per test. (0 would wait forever
            // for a request still in service(): Tomcat waits in steps of unloadDelay / 20.)
            ((StandardContext) ctx).setUnloadDelay(100);
            Wrapper w = Tomcat.addServlet(
                    ctx,
                    "socket-serve",
                    new SocketServeServlet(server).streamCompression(connections.streamCompression()));
            w.setAsyncSupported(true);
            String at = mount.isEmpty() ? server.options().basePath() : mount;
            ctx.addServletMappingDecoded(at + "/*", "socket-serve");
            ctx.addServletMappingDecoded("/socket-serve.js", "socket-serve");
            ctx.addServletMappingDecoded("/socket-serve.d.ts", "socket-serve");
            tomcat.start();
            int port = connector.getLocalPort();
            return new Running() {
                @Override
                public int port() {
                    return port;
                }

                @Override
                public void close() {
                    try {
                        tomcat.stop();
                        tomcat.destroy();
                    } catch (LifecycleException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Its URI normalisation answers 400 for dot-segments above the root. */
    @Override
    public boolean refusesPathsAboveTheRoot() {
        return true;
    }

    /** Its timeouts bound silence, not a request's total time. */
    @Override
    public boolean cutsOffTricklingRequests() {
        return false;
    }

    @Override
    public List<String> containerLoggers() {
        return List.of("org.apache.catalina", "org.apache.coyote", "org.apache.tomcat");
    }

    @Override
    public String name() {
        return "tomcat";
    }

    @Override
    public String toString() {
        return name();
    }
}
