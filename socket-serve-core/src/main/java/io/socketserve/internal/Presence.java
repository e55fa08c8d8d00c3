package io.socketserve.internal;

import io.socketserve.PresenceEntry;
import io.socketserve.SocketServeException;
import io.socketserve.UserOfflineListener;
import io.socketserve.spi.PresenceMember;
import io.socketserve.spi.PresenceResult;
import io.socketserve.spi.SessionPresence;
import io.socketserve.transport.JsonStrings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence on top of the backend's presence operations: builds the {@code presence} events (room
 * messages in the log, so they are ordered with joins and messages and replayed on resume), keeps
 * the sessions attached here live, takes lapsed sessions out, and tells offline listeners.
 *
 * <p>Liveness: a tracked session is live for 1.5 heartbeats after it was last confirmed. The
 * instance holding its stream (or answering its polls) confirms it on attach and every heartbeat;
 * every instance looks for lapsed sessions every quarter heartbeat. So a session whose instance died
 * is out within 1.75 heartbeats, and a client that reconnects to another instance before that never
 * leaves (no leave/join flicker).
 */
final class Presence {

    private static final Logger log = LoggerFactory.getLogger(Presence.class);
    // backend failures come in floods while it is down: each kind writes one WARN per interval
    private final RateLimitedWarning heartbeatFailed = new RateLimitedWarning(log, java.time.Duration.ofSeconds(10));
    private final RateLimitedWarning refreshFailed = new RateLimitedWarning(log, java.time.Duration.ofSeconds(10));
    private final RateLimitedWarning dropFailed = new RateLimitedWarning(log, java.time.Duration.ofSeconds(10));
    private final RateLimitedWarning sweepFailed = new RateLimitedWarning(log, java.time.Duration.ofSeconds(10));

    /** The event name members receive. */
    static final String EVENT = "presence";

    static final int MAX_USER_ID_LENGTH = 256;
    private static final int MAX_ATTEMPTS = 5;
    private static final int SWEEP_BATCH = 256;

    private final io.socketserve.ServerOptions options;
    private final io.socketserve.spi.Backend backend;
    private final Json json;
    private final Blocking blocking;
    private final RoomKeys roomKeys;
    private final java.util.concurrent.ScheduledExecutorService timer;
    private final java.util.concurrent.Executor executor;
    private final Dispatcher dispatcher;
    private final BackendHealth health;
    private final EngineStats stats;
    private final long heartbeatMillis;
    private final long liveMillis;
    private final List<UserOfflineListener> offlineListeners = new CopyOnWriteArrayList<>();

    Presence(
            io.socketserve.ServerOptions options,
            io.socketserve.spi.Backend backend,
            Json json,
            Blocking blocking,
            RoomKeys roomKeys,
            java.util.concurrent.ScheduledExecutorService timer,
            java.util.concurrent.Executor executor,
            Dispatcher dispatcher,
            BackendHealth health,
            EngineStats stats) {
        this.stats = stats;
        this.options = options;
        this.backend = backend;
        this.json = json;
        this.blocking = blocking;
        this.roomKeys = roomKeys;
        this.timer = timer;
        this.executor = executor;
        this.dispatcher = dispatcher;
        this.health = health;
        this.heartbeatMillis = options.presenceHeartbeat().toMillis();
        this.liveMillis = heartbeatMillis * 3 / 2;
    }

    void start() {
        timer.scheduleWithFixedDelay(this::heartbeat, heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
        long sweep = Math.max(25, heartbeatMillis / 4);
        timer.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    void onUserOffline(UserOfflineListener listener) {
        offlineListeners.add(java.util.Objects.requireNonNull(listener, "listener == null"));
    }

    private long deadline() {
        return System.currentTimeMillis() + liveMillis;
    }

    // ------------------------------------------------------------------------- socket operations

    /** Blocking; the socket has joined the room already. */
    void track(String sessionId, String namespace, String room, String userId, @Nullable Object state) {
        validateUser(userId);
        String key = roomKeys.key(namespace, room);
        String stateJson = stateJson(state);
        byte[] join = entry(key, "join", userId, stateJson);
        byte[] update = entry(key, "update", userId, stateJson);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            PresenceResult r =
                    blocking.get(backend.presenceEnter(sessionId, key, userId, stateJson, deadline(), join, update));
            switch (r.status()) {
                case LAPSED -> blocking.get(revive(sessionId, 0));
                case USER_MISMATCH -> throw new SocketServeException(
                        "presence_user_mismatch", "this socket is already tracked as another user", 409);
                case NO_SESSION -> throw Blocking.disconnected();
                default -> {
                    stats.tracked(sessionId, userId);
                    return;
                }
            }
        }
        throw new SocketServeException("unavailable", "presence kept changing; try again", 503);
    }

    /** Blocking. */
    void update(String sessionId, String namespace, String room, @Nullable Object state) {
        String key = roomKeys.key(namespace, room);
        String stateJson = stateJson(state);
        SessionPresence sp = blocking.get(backend.sessionPresence(sessionId));
        if (sp == null || !sp.rooms().containsKey(key)) {
            throw notTracked(room);
        }
        PresenceResult r = blocking.get(
                backend.presenceUpdate(sessionId, key, stateJson, entry(key, "update", sp.user(), stateJson)));
        switch (r.status()) {
            case NOT_TRACKED -> throw notTracked(room);
            case NO_SESSION -> throw Blocking.disconnected();
            default -> {}
        }
    }

    /** Stops tracking the session in the room (room key); completes when done. */
    CompletionStage<Void> untrack(String sessionId, String key) {
        return backend.sessionPresence(sessionId).thenCompose(sp -> {
            if (sp == null || !sp.rooms().containsKey(key)) {
                return CompletableFuture.completedFuture(null);
            }
            return backend.presenceLeave(
                            sessionId,
                            key,
                            entry(key, "leave", sp.user(), sp.rooms().get(key)))
                    .thenApply(r -> null);
        });
    }

    List<PresenceEntry> members(String key) {
        List<PresenceMember> members = blocking.get(backend.presenceMembers(key));
        List<PresenceEntry> out = new ArrayList<>(members.size());
        for (PresenceMember m : members) {
            out.add(new PresenceEntry(
                    m.user(),
                    json.readStored(m.state(), "presence state of user '" + m.user() + "' in " + key),
                    m.sessions()));
        }
        return out;
    }

    long count(String key) {
        return blocking.get(backend.presenceCount(key));
    }

    // ----------------------------------------------------------------------------------- liveness

    /** A session was attached here (stream or poll): confirm it now rather than at the next beat. */
    void seen(String sessionId) {
        seenSoon.add(sessionId);
        if (seenScheduled.compareAndSet(false, true)) {
            try {
                timer.schedule(this::refreshSeen, SEEN_COALESCE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                seenScheduled.set(false); // shutting down: nothing to refresh any more
            }
        }
    }

    /**
     * How long {@link #seen} gathers sessions before refreshing them in one call: a storm of stream
     * attaches costs one presence round trip per window instead of one per attach (issue 16). A
     * liveness deadline is many seconds away, so the delay changes nothing visible.
     */
    static final long SEEN_COALESCE_MILLIS = 5;

    private final java.util.concurrent.ConcurrentLinkedQueue<String> seenSoon =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean seenScheduled =
            new java.util.concurrent.atomic.AtomicBoolean();

    private void refreshSeen() {
        seenScheduled.set(false);
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        for (String id; (id = seenSoon.poll()) != null; ) {
            ids.add(id);
        }
        if (!ids.isEmpty()) {
            refresh(ids);
        }
    }

    private void heartbeat() {
        dispatcher
                .attachedIds()
                .thenAccept(ids -> {
                    if (!ids.isEmpty()) {
                        refresh(ids);
                    }
                })
                .exceptionally(e -> {
                    heartbeatFailed.warn(
                            "{} failed (the next heartbeat retries)", "presence heartbeat", Blocking.unwrap(e));
                    return null;
                });
    }

    private void refresh(Collection<String> ids) {
        if (timer.isShutdown()) {
            return; // the server is closing (its timer stops first): nothing is refreshed any more
        }
        backend.presenceRefresh(ids, deadline())
                .thenAccept(lapsed -> lapsed.forEach(id -> revive(id, 0)))
                .exceptionally(e -> {
                    if (timer.isShutdown()) {
                        return null; // it ran into the server's close: no one retries, nothing failed
                    }
                    // like a failed session heartbeat: hold the lapse sweep back, so that sessions
                    // whose refresh failed for the backend's fault do not leave their rooms' presence
                    health.trouble();
                    refreshFailed.warn(
                            "{} failed (the next heartbeat retries; lapse sweeps are suspended meanwhile)",
                            "presence refresh of " + ids.size() + " session(s)",
                            Blocking.unwrap(e));
                    return null;
                });
    }

    /** Re-enters a session whose liveness lapsed into every room it is tracked in. */
    private CompletionStage<Void> revive(String sessionId, int attempt) {
        return backend.sessionPresence(sessionId).thenCompose(sp -> {
            if (sp == null || sp.live()) {
                return CompletableFuture.completedFuture(null);
            }
            Map<String, byte[]> joins = new HashMap<>();
            sp.rooms().forEach((key, state) -> joins.put(key, entry(key, "join", sp.user(), state)));
            return backend.presenceRevive(sessionId, joins, deadline())
                    .thenCompose(r -> r.status() == PresenceResult.Status.RETRY && attempt < MAX_ATTEMPTS
                            ? revive(sessionId, attempt + 1)
                            : CompletableFuture.completedFuture(null));
        });
    }

    /**
     * Takes the session out of every presence list if it ended or lapsed (the backend decides,
     * atomically); called after a session ended and for lapsed sessions.
     */
    CompletionStage<Void> drop(String sessionId) {
        return drop(sessionId, 0).exceptionally(e -> {
            dropFailed.warn(
                    "{} failed (the presence sweep retries it once the session's liveness lapses)",
                    "presence drop of session " + sessionId,
                    Blocking.unwrap(e));
            return null;
        });
    }

    private CompletionStage<Void> drop(String sessionId, int attempt) {
        return backend.sessionPresence(sessionId).thenCompose(sp -> {
            if (sp == null) {
                return CompletableFuture.completedFuture(null);
            }
            Map<String, byte[]> leaves = new HashMap<>();
            sp.rooms().forEach((key, state) -> leaves.put(key, entry(key, "leave", sp.user(), state)));
            return backend.presenceDrop(
                            sessionId,
                            leaves,
                            System.currentTimeMillis(),
                            options.presenceOfflineGrace().toMillis())
                    .thenCompose(r -> r.status() == PresenceResult.Status.RETRY && attempt < MAX_ATTEMPTS
                            ? drop(sessionId, attempt + 1)
                            : CompletableFuture.completedFuture(null));
        });
    }

    private void sweep() {
        if (health.sweepsSuspended()) {
            return; // after backend trouble, give heartbeats a chance to confirm sessions first
        }
        long now = System.currentTimeMillis();
        backend.presenceLapsed(now, SWEEP_BATCH)
                .thenAccept(ids -> ids.forEach(this::drop))
                .thenCompose(v -> backend.presenceOfflineDue(System.currentTimeMillis(), SWEEP_BATCH))
                .thenAccept(users -> users.forEach(this::fireOffline))
                .exceptionally(e -> {
                    sweepFailed.warn("{} failed (the next sweep retries)", "presence sweep", Blocking.unwrap(e));
                    return null;
                });
    }

    private void fireOffline(String userId) {
        if (offlineListeners.isEmpty()) {
            return;
        }
        executor.execute(() -> {
            for (UserOfflineListener l : offlineListeners) {
                try {
                    l.onUserOffline(userId);
                } catch (Exception e) {
                    log.warn("user-offline listener failed for user {}", userId, e);
                }
            }
        });
    }

    // ------------------------------------------------------------------------------------ helpers

    private static void validateUser(String userId) {
        java.util.Objects.requireNonNull(userId, "userId == null");
        if (userId.isEmpty() || userId.length() > MAX_USER_ID_LENGTH) {
            throw new SocketServeException(
                    "invalid_user", "user id must have 1.." + MAX_USER_ID_LENGTH + " characters", 400);
        }
        for (int i = 0; i < userId.length(); i++) {
            if (Character.isISOControl(userId.charAt(i))) {
                throw new SocketServeException("invalid_user", "user id must not contain control characters", 400);
            }
        }
    }

    private String stateJson(@Nullable Object state) {
        byte[] bytes = json.write(state);
        if (bytes.length > options.maxPresenceStateBytes()) {
            throw new SocketServeException(
                    "presence_state_too_large",
                    "presence state is " + bytes.length + " bytes; the limit is " + options.maxPresenceStateBytes(),
                    413);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static SocketServeException notTracked(String room) {
        return new SocketServeException("not_tracked", "this socket is not tracked in '" + room + "'", 409);
    }

    /** A {@code presence} event to the room's members, as a log entry. */
    private static byte[] entry(String key, String type, String userId, String stateJson) {
        String namespace = RoomKeys.namespaceOf(key);
        long now = System.currentTimeMillis();
        String payload = "{\"type\":\"" + type + "\",\"room\":" + JsonStrings.quote(RoomKeys.roomName(namespace, key))
                + ",\"user\":" + JsonStrings.quote(userId) + ",\"state\":" + stateJson + "}";
        byte[] frame = Frames.message(EVENT, payload.getBytes(StandardCharsets.UTF_8), now, null, null);
        return EntryCodec.encode(new LogEntry.Message(
                now, namespace, LogEntry.TargetType.ROOMS, List.of(key), List.of(), List.of(), false, frame));
    }
}
