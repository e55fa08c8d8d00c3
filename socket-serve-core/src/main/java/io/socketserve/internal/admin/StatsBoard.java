package io.socketserve.internal.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socketserve.AdminOptions;
import io.socketserve.SharedStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the instances of a deployment meet: every {@link AdminOptions#publishInterval()} each one
 * writes its {@link InstanceStats#snapshot()} to the shared store under {@code
 * socket-serve:admin:instance:<id>} with a TTL of three intervals, and records its id in the index
 * {@code socket-serve:admin:instances} (id → expiry, pruned as it is rewritten). An instance that
 * stops publishing (killed) disappears when its key expires. Readers take the index, then each
 * instance's key; nothing needs sticky sessions.
 *
 * <p>One instance at a time holds the lease {@code socket-serve:admin:leader} (three intervals,
 * renewed at each publication); it pushes the overview to the admin pages ({@link #onLeaderTick}).
 */
public final class StatsBoard implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StatsBoard.class);

    static final String INDEX = AdminOptions.KEY_PREFIX + "instances";
    static final String LEADER = AdminOptions.KEY_PREFIX + "leader";
    static final String INSTANCE = AdminOptions.KEY_PREFIX + "instance:";

    private final SharedStore store;
    private final InstanceStats stats;
    private final Duration ttl;
    private final ScheduledExecutorService timer;
    private final Runnable onLeaderTick;

    public StatsBoard(SharedStore store, InstanceStats stats, Duration interval, Runnable onLeaderTick) {
        this.store = store;
        this.stats = stats;
        this.ttl = interval.multipliedBy(3);
        this.onLeaderTick = onLeaderTick;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "socket-serve-admin-stats");
            t.setDaemon(true);
            return t;
        });
        long millis = interval.toMillis();
        timer.scheduleWithFixedDelay(this::tick, 0, millis, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            publish();
            if (leader()) {
                onLeaderTick.run();
            }
        } catch (RuntimeException e) {
            stats.errors().add(System.currentTimeMillis(), "admin", "publishing statistics failed: " + e.getMessage());
            log.debug("admin statistics not published", e);
        }
    }

    /** Writes this instance's snapshot and its index entry. */
    void publish() {
        ObjectNode snapshot = stats.snapshot();
        store.put(INSTANCE + stats.id(), snapshot, ttl);
        long now = System.currentTimeMillis();
        long expiry = now + ttl.toMillis();
        store.update(
                INDEX,
                ObjectNode.class,
                index -> {
                    ObjectNode next = snapshot.objectNode();
                    if (index != null) {
                        for (Map.Entry<String, JsonNode> e : index.properties()) {
                            if (e.getValue().asLong() >= now) {
                                next.set(e.getKey(), e.getValue());
                            }
                        }
                    }
                    next.put(stats.id(), expiry);
                    return next;
                },
                Duration.ofMinutes(10));
    }

    /** Takes or renews the leader lease; whether this instance holds it. */
    private boolean leader() {
        JsonNode holder = store.get(LEADER);
        if (holder == null) {
            return store.putIfAbsent(LEADER, stats.id(), ttl);
        }
        if (stats.id().equals(holder.asText())) {
            store.put(LEADER, stats.id(), ttl);
            return true;
        }
        return false;
    }

    /** The snapshots of every live instance (blocking), this one included, oldest start first. */
    public List<JsonNode> instances() {
        JsonNode index = store.get(INDEX);
        List<JsonNode> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        if (index != null) {
            for (Map.Entry<String, JsonNode> e : index.properties()) {
                if (e.getValue().asLong() < now) {
                    continue;
                }
                JsonNode s = store.get(INSTANCE + e.getKey());
                if (s != null) {
                    out.add(s);
                }
            }
        }
        out.sort(java.util.Comparator.comparingLong(
                        (JsonNode s) -> s.path("startedAt").asLong())
                .thenComparing(s -> s.path("id").asText()));
        return out;
    }

    /** Stops publishing and removes this instance's entry (it leaves the page at once). */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            store.remove(INSTANCE + stats.id());
            JsonNode holder = store.get(LEADER);
            if (holder != null && stats.id().equals(holder.asText())) {
                store.remove(LEADER);
            }
        } catch (RuntimeException e) {
            log.debug("admin statistics not removed at close", e); // they expire anyway
        }
    }
}
