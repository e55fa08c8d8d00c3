package io.socketserve.internal.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socketserve.ServerHealth;
import io.socketserve.ServerStats;
import io.socketserve.SocketServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * This instance's statistics as the admin page shows them: identity ({@link ServerStats#instance()},
 * host name, version, start time), health (backend reachable, log reader lag), the live numbers of
 * {@link ServerStats} with events/s and deliveries/s computed from the difference of their monotonic
 * totals between two snapshots, and recent problems: the health's, and the failures counted since
 * the last snapshot (handler failures, backend errors, slow clients cut, 503 and 429 answers, ack
 * timeouts).
 */
public final class InstanceStats {

    private final String host = hostName();
    private final long startedAtMillis = System.currentTimeMillis();
    private final Supplier<ServerHealth> health;
    private final Supplier<ServerStats> live;
    private final String id;
    private final RecentErrors errors = new RecentErrors();
    private final SessionTransports transports = new SessionTransports();
    private long lastNanos;
    private @Nullable ServerStats last;

    public InstanceStats(Supplier<ServerHealth> health, Supplier<ServerStats> live) {
        this.health = health;
        this.live = live;
        this.id = live.get().instance();
    }

    /** This instance's id ({@link ServerStats#instance()}, also the MDC field of its log lines). */
    public String id() {
        return id;
    }

    public RecentErrors errors() {
        return errors;
    }

    /** Which transport the sessions attached here use (filled by the HTTP transport). */
    public SessionTransports transports() {
        return transports;
    }

    /** How many sessions' transports a snapshot carries at most (the most recently attached). */
    static final int PUBLISHED_TRANSPORTS = 500;

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
        ServerStats s = live.get();
        n.put("backend", s.backend());
        n.put("backendReachable", h.backendReachable());
        n.put("readerStalled", h.readerStalled());
        n.put("readerLag", s.readerLagEntries());
        n.put("readerLagMillis", s.readerLagMillis());
        ObjectNode sessions = n.putObject("sessions");
        s.sessionsByTransport().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> sessions.put(e.getKey(), e.getValue()));
        n.put("sessionsTotal", s.sessionsActive());
        n.put("streams", s.streamsOpen());
        n.put("localRooms", s.roomsWithLocalMembers());
        n.put("presenceUsers", s.presenceUsers());
        n.put("connects", s.connects());
        n.put("disconnects", s.disconnectsTotal());
        n.put("eventsTotal", s.eventsReceived());
        n.put("deliveriesTotal", s.deliveries());
        n.put("eventsFailed", s.eventsFailed());
        n.put("backendErrors", s.backendErrors());
        long nanos = System.nanoTime();
        ServerStats before = last;
        double seconds = (nanos - lastNanos) / 1e9;
        if (before == null || seconds <= 0) {
            n.put("eventsPerSecond", 0.0);
            n.put("deliveriesPerSecond", 0.0);
        } else {
            n.put("eventsPerSecond", Math.max(0, s.eventsReceived() - before.eventsReceived()) / seconds);
            n.put("deliveriesPerSecond", Math.max(0, s.deliveries() - before.deliveries()) / seconds);
            failures(now, before, s);
        }
        last = s;
        lastNanos = nanos;
        if (h.problem() != null) {
            errors.add(now, h.backendReachable() ? "reader" : "backend", h.problem());
        } else {
            errors.recovered();
        }
        n.set("errors", errors.toJson());
        n.set("transports", transports.toJson(now, PUBLISHED_TRANSPORTS));
        return n;
    }

    /** Records what failed since the previous snapshot, one line per kind. */
    private void failures(long now, ServerStats before, ServerStats s) {
        count(now, "handler", s.eventsFailed() - before.eventsFailed(), "event handler(s) or middleware threw");
        count(now, "backend", s.backendErrors() - before.backendErrors(), "backend failure(s)");
        count(
                now,
                "slow-client",
                s.slowClientCuts() - before.slowClientCuts(),
                "stream(s) cut: the client did not read");
        count(now, "unavailable", s.unavailableResponses() - before.unavailableResponses(), "request(s) answered 503");
        count(now, "rate-limit", s.rateLimited() - before.rateLimited(), "request(s) answered 429");
        count(now, "ack-timeout", s.ackTimeouts() - before.ackTimeouts(), "acknowledgement(s) timed out");
    }

    private void count(long now, String kind, long n, String what) {
        if (n > 0) {
            errors.add(now, kind, n + " " + what + " in the last interval");
            errors.recovered(); // the same count next time is a new line
        }
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
