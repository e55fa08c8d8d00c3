package io.socketserve.bench.server;

import io.socketserve.SocketServer;
import io.socketserve.servlet.SocketServeServlet;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * The same server as {@link BenchServer} — the same {@link SocketServer}, options and handlers,
 * in-memory — served through {@link SocketServeServlet} on an embedded Tomcat 11 (NIO connector) on
 * 127.0.0.1, in its own JVM, spoken to through {@link Control} like the others.
 *
 * <p>Tomcat's defaults are kept except where they would cut the benchmark short where Netty does
 * not: {@code maxConnections} (8,192 by default) is unlimited, and so is {@code
 * maxKeepAliveRequests} (100 by default; the publishers send every message over one keep-alive
 * connection each). The worker pool is Tomcat's default (at most 200 threads, 10 spare), or {@code
 * --max-threads}.
 *
 * <pre>
 * java -cp socket-serve-bench.jar io.socketserve.bench.server.TomcatBenchServer [--port 0] [--max-threads 200]
 * </pre>
 */
public final class TomcatBenchServer {

    private TomcatBenchServer() {}

    // Context.addServletMappingDecoded is deprecated in Tomcat 11 (for removal in 12); it is still
    // what SocketServeServlet's Javadoc and the Tomcat fixture of its tests use.
    @SuppressWarnings("deprecation")
    public static void main(String[] args) throws Exception {
        int port = 0;
        int maxThreads = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--max-threads" -> maxThreads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        SocketServer server = BenchServer.create(BenchServer.options().build());
        Path base = Files.createTempDirectory("bench-tomcat");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(port);
        Connector connector = tomcat.getConnector();
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxConnections", "-1");
        connector.setProperty("maxKeepAliveRequests", "-1");
        if (maxThreads > 0) {
            connector.setProperty("maxThreads", Integer.toString(maxThreads));
        }
        Context ctx = tomcat.addContext("", null);
        Wrapper w = Tomcat.addServlet(ctx, "socket-serve", new SocketServeServlet(server, false));
        w.setAsyncSupported(true);
        ctx.addServletMappingDecoded(server.options().basePath() + "/*", "socket-serve");
        tomcat.start();
        Control.serve(connector.getLocalPort(), () -> {
            try {
                tomcat.stop();
                tomcat.destroy();
            } catch (Exception e) {
                System.err.println("tomcat stop: " + e);
            }
            server.close();
        });
        System.exit(0);
    }
}
