package io.socketserve.redis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP forwarder whose target can be switched: what a floating IP or a DNS name does for a
 * Redis deployment when a replica is promoted by hand. {@link #retarget} cuts every connection, so
 * clients reconnect and land on the new target.
 *
 * <pre>{@code
 * try (TcpForwarder vip = new TcpForwarder(master.port())) {
 *     backend = RedisBackend.create(vip.uri());
 *     ...
 *     vip.retarget(replica.port());
 * }
 * }</pre>
 */
public final class TcpForwarder implements AutoCloseable {

    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile int[] targets;
    private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;
    private volatile boolean swallowReplies;

    /**
     * Listens on a free loopback port and forwards to {@code 127.0.0.1:targetPort}; with several
     * ports, each new connection goes to the next one in turn (a round-robin load balancer).
     */
    public TcpForwarder(int... targetPorts) {
        if (targetPorts.length == 0) {
            throw new IllegalArgumentException("no target port");
        }
        this.targets = targetPorts.clone();
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on loopback", e);
        }
        Thread accept = new Thread(this::acceptLoop, "tcp-forwarder-" + server.getLocalPort());
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port();
    }

    /** Forwards new connections to {@code targetPort} and cuts every open one. */
    public void retarget(int targetPort) {
        this.targets = new int[] {targetPort};
        cutAll();
    }

    /**
     * While on, what the targets send back is read and dropped: requests arrive and run, their
     * replies never reach the client (a connection that dies after the server answered).
     */
    public void swallowReplies(boolean on) {
        this.swallowReplies = on;
    }

    /** Closes every forwarded connection (both sides); new ones are accepted as before. */
    public void cutAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket upstream = new Socket();
            int[] to = targets;
            int target = to[Math.floorMod(next.getAndIncrement(), to.length)];
            try {
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 2_000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue; // the target is down: the client sees a refused connection
            }
            open.add(client);
            open.add(upstream);
            pump(client, upstream, false);
            pump(upstream, client, true);
        }
    }

    private void pump(Socket from, Socket to, boolean replies) {
        Thread t = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            if (replies && swallowReplies) {
                                continue;
                            }
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // one side closed: close both below
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                        open.remove(from);
                        open.remove(to);
                    }
                },
                "tcp-forwarder-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        cutAll();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing
        }
    }
}
