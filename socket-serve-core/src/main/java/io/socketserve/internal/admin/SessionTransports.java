package io.socketserve.internal.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which transport each session attached to this instance uses, as the transport saw it: an SSE
 * stream that opened (until its last stream closes), or a poll answered {@code 200} (for {@link
 * #POLL_MILLIS} after it). Only sessions whose requests succeeded are recorded, so a forged
 * credential cannot label another session. At most {@link #MAX_SESSIONS} sessions are tracked (new
 * ones are not recorded beyond that); the admin page shows "–" for the rest.
 */
public final class SessionTransports {

    static final int MAX_SESSIONS = 10_000;
    static final long POLL_MILLIS = 60_000;

    private record Seen(String transport, long atMillis, int streams) {}

    private final Map<String, Seen> sessions = new ConcurrentHashMap<>();

    /** An SSE stream of session {@code id} opened. */
    public void streamOpened(String id, long nowMillis) {
        if (sessions.size() >= MAX_SESSIONS && !sessions.containsKey(id)) {
            return;
        }
        sessions.compute(
                id, (k, s) -> new Seen("sse", nowMillis, s == null || !s.transport.equals("sse") ? 1 : s.streams + 1));
    }

    /** An SSE stream of session {@code id} closed. */
    public void streamClosed(String id) {
        sessions.computeIfPresent(
                id,
                (k, s) -> !s.transport.equals("sse")
                        ? s
                        : s.streams <= 1 ? null : new Seen("sse", s.atMillis, s.streams - 1));
    }

    /** A poll of session {@code id} was answered. */
    public void polled(String id, long nowMillis) {
        if (sessions.size() >= MAX_SESSIONS && !sessions.containsKey(id)) {
            return;
        }
        sessions.compute(id, (k, s) -> s != null && s.transport.equals("sse") ? s : new Seen("polling", nowMillis, 0));
    }

    /** Up to {@code limit} sessions, most recently attached first: {@code {"<public id>":"sse"|"polling"}}. */
    public ObjectNode toJson(long nowMillis, int limit) {
        sessions.entrySet()
                .removeIf(e ->
                        e.getValue().transport.equals("polling") && nowMillis - e.getValue().atMillis > POLL_MILLIS);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        sessions.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().atMillis, a.getValue().atMillis))
                .limit(limit)
                .forEach(e -> out.put(e.getKey(), e.getValue().transport));
        return out;
    }

    int size() {
        return sessions.size();
    }
}
