package io.socketserve.internal.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socketserve.ServerHealth;
import io.socketserve.SocketServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * This instance's statistics as the admin page shows them: identity (a random id, host name,
 * version, start time), health (backend reachable, log head, reader position and lag), recent
 * problems, and the numbers of {@link LocalStats} with events/s and deliveries/s computed from the
 * difference of their monotonic totals between two snapshots.
 */
public final class InstanceStats {

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String host = hostName();
    private final long startedAtMillis = System.currentTimeMillis();
    private final Supplier<ServerHealth> health;
    private final LocalStats local;
    private final RecentErrors errors = new RecentErrors();
    private long lastNanos;
    private long lastEvents = -1;
    private long lastDeliveries = -1;

    public InstanceStats(Supplier<ServerHealth> health, LocalStats local) {
        this.health = health;
        this.local = local;
    }

    /** This instance's id on the admin page (random per start). */
    public String id() {
        return id;
    }

    public RecentErrors errors() {
        return errors;
    }

    /** A snapshot now (blocking: reads the backend's log head). Called by one thread at a time. */
    public synchronized ObjectNode snapshot() {
        long now = System.currentTimeMillis();
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("id", id);
        n.put("host", host);
        n.put("version", VERSION);
        n.put("java", Runtime.version().toString());
        n.put("startedAt", startedAtMillis);
        n.put("publishedAt", now);
        n.put("uptimeMillis", now - startedAtMillis);
        ServerHealth h;
        try {
            h = health.get();
        } catch (RuntimeException e) {
            h = new ServerHealth(false, -1, -1, java.time.Instant.EPOCH, false, e.toString());
        }
        n.put("backendReachable", h.backendReachable());
        n.put("logHead", h.logHead());
        n.put("readerPosition", h.readerPosition());
        n.put("readerLag", h.backendReachable() ? Math.max(0, h.logHead() - h.readerPosition()) : -1);
        n.put("readerStalled", h.readerStalled());
        if (h.problem() != null) {
            errors.add(now, h.backendReachable() ? "reader" : "backend", h.problem());
        } else {
            errors.recovered();
        }
        try {
            local.fill(n);
        } catch (RuntimeException e) {
            errors.add(now, "stats", "could not read this instance's statistics: " + e);
        }
        rates(n);
        n.set("errors", errors.toJson());
        return n;
    }

    private void rates(ObjectNode n) {
        long nanos = System.nanoTime();
        long events = n.path("eventsTotal").asLong(-1);
        long deliveries = n.path("deliveriesTotal").asLong(-1);
        double seconds = (nanos - lastNanos) / 1e9;
        boolean first = lastEvents < 0 && lastDeliveries < 0;
        n.put("eventsPerSecond", first || events < 0 || seconds <= 0 ? 0 : Math.max(0, events - lastEvents) / seconds);
        n.put(
                "deliveriesPerSecond",
                first || deliveries < 0 || seconds <= 0 ? 0 : Math.max(0, deliveries - lastDeliveries) / seconds);
        lastNanos = nanos;
        lastEvents = events;
        lastDeliveries = deliveries;
    }

    /** The version of socket-serve-core: from the jar's manifest or Maven properties, else "dev". */
    static final String VERSION = version();

    private static String version() {
        String v = SocketServer.class.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        try (InputStream in = SocketServer.class.getResourceAsStream(
                "/META-INF/maven/io.socketserve/socket-serve-core/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "dev");
            }
        } catch (java.io.IOException ignored) {
            // fall through
        }
        return "dev";
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException | SecurityException e) {
            return "unknown";
        }
    }
}
