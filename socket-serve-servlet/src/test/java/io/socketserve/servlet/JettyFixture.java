package io.socketserve.servlet;

import io.socketserve.SocketServer;
import io.socketserve.netty.testing.TransportFixture;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.servlet.ServletMapping;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** {@link SocketServeServlet} in an embedded Jetty 12 (ee10) on {@code 127.0.0.1} and a free port. */
public final class JettyFixture implements TransportFixture {

    private final int compression;

    public JettyFixture() {
        this(0);
    }

    private JettyFixture(int compression) {
        this.compression = compression;
    }

    @Override
    public TransportFixture streamCompression(int level) {
        return new JettyFixture(level);
    }

    @Override
    public Running start(SocketServer server) {
        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath("/");
        ServletHolder h =
                new ServletHolder("socket-serve", new SocketServeServlet(server).streamCompression(compression));
        h.setAsyncSupported(true);
        ctx.addServlet(h, server.options().basePath() + "/*");
        ServletMapping client = new ServletMapping();
        client.setServletName("socket-serve");
        client.setPathSpecs(new String[] {"/socket-serve.js", "/socket-serve.d.ts"});
        ctx.getServletHandler().addServletMapping(client);
        jetty.setHandler(ctx);
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

    @Override
    public String name() {
        return "jetty";
    }

    @Override
    public String toString() {
        return name();
    }
}
