package io.socketserve.servlet;

import io.socketserve.SocketServer;
import io.socketserve.netty.testing.TransportFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/** {@link SocketServeServlet} in an embedded Tomcat 11 on {@code 127.0.0.1} and a free port. */
public final class TomcatFixture implements TransportFixture {

    /** Mount point of the protocol; {@code null}: the server's {@code basePath()}. */
    private final String mount;

    private final int compression;

    public TomcatFixture() {
        this("");
    }

    /** With the protocol mounted at {@code mount + "/*"} instead of the base path. */
    TomcatFixture(String mount) {
        this(mount, 0);
    }

    private TomcatFixture(String mount, int compression) {
        this.mount = mount;
        this.compression = compression;
    }

    @Override
    public TransportFixture streamCompression(int level) {
        return new TomcatFixture(mount, level);
    }

    @Override
    public Running start(SocketServer server) {
        try {
            Path base = Files.createTempDirectory("tomcat");
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(base.toString());
            tomcat.setHostname("127.0.0.1");
            tomcat.setPort(0);
            Connector connector = tomcat.getConnector();
            connector.setProperty("address", "127.0.0.1");
            // As the Netty fixture: the kernel must not absorb megabytes for a client that does not read.
            connector.setProperty("socket.txBufSize", Integer.toString(32 * 1024));
            Context ctx = tomcat.addContext("", null);
            Wrapper w = Tomcat.addServlet(
                    ctx, "socket-serve", new SocketServeServlet(server).streamCompression(compression));
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

    @Override
    public String name() {
        return "tomcat";
    }

    @Override
    public String toString() {
        return name();
    }
}
