package io.socketserve.servlet;

import io.socketserve.SocketServer;
import io.socketserve.netty.testing.TransportFixture;
import io.socketserve.servlet.jetty.JsonErrorHandler;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.servlet.ServletMapping;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;

/** {@link SocketServeServlet} in an embedded Jetty 12 (ee10) on {@code 127.0.0.1} and a free port. */
public final class JettyFixture implements TransportFixture {

    @Override
    public Running start(SocketServer server, Connections connections) {
        Server jetty = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(connections.maxHeaderBytes());
        ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setIdleTimeout(connections.requestTimeoutMillis());
        // As the Netty fixture: the kernel must not absorb megabytes for a client that does not read.
        connector.setAcceptedSendBufferSize(connections.socketSendBufferBytes());
        jetty.addConnector(connector);
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath("/");
        SocketServeServlet servlet = new SocketServeServlet(server).streamCompression(connections.streamCompression());
        ServletHolder h = new ServletHolder("socket-serve", servlet);
        h.setAsyncSupported(true);
        ctx.addServlet(h, server.options().basePath() + "/*");
        ServletMapping client = new ServletMapping();
        client.setServletName("socket-serve");
        client.setPathSpecs(new String[] {"/socket-serve.js", "/socket-serve.d.ts"});
        ctx.getServletHandler().addServletMapping(client);
        jetty.setHandler(ctx);
        // Jetty's own errors (parser refusals, unmapped paths) as JSON, as a deployment would.
        jetty.setErrorHandler(new JsonErrorHandler());
        ctx.setErrorHandler(new JsonErrorHandler());
        // Jetty closes its connections before it destroys servlets: drain first (docs/deploy.md).
        jetty.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopping(LifeCycle event) {
                servlet.drain(java.time.Duration.ofSeconds(1));
            }
        });
        try {
            jetty.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        int port = connector.getLocalPort();
        return new Running() {
            @Override
            public int port() {
                return port;
            }

            @Override
            public void close() {
                try {
                    jetty.stop();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
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
        return List.of("org.eclipse.jetty");
    }

    @Override
    public String name() {
        return "jetty";
    }

    @Override
    public String toString() {
        return name();
    }
}
