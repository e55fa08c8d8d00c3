package io.socketserve.internal.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;

/**
 * The last {@link #CAPACITY} problems this instance saw (time and words for people, each at most
 * {@link #MAX_MESSAGE_CHARS} characters), for the admin page. Thread-safe.
 */
public final class RecentErrors {

    static final int CAPACITY = 20;
    static final int MAX_MESSAGE_CHARS = 300;

    private record Entry(long atMillis, String kind, String message) {}

    private final ArrayDeque<Entry> entries = new ArrayDeque<>(CAPACITY);
    private String lastMessage = "";

    /** Records a problem, unless it is the same as the last one recorded (a lasting outage is one line). */
    public synchronized void add(long atMillis, String kind, String message) {
        String m = message.length() > MAX_MESSAGE_CHARS ? message.substring(0, MAX_MESSAGE_CHARS) + "…" : message;
        if ((kind + m).equals(lastMessage)) {
            return;
        }
        lastMessage = kind + m;
        if (entries.size() == CAPACITY) {
            entries.removeFirst();
        }
        entries.addLast(new Entry(atMillis, kind, m));
    }

    /** Forgets the last message, so that the same problem coming back is recorded again. */
    public synchronized void recovered() {
        lastMessage = "";
    }

    /** Newest first, as {@code [{"at":millis,"kind":…,"message":…}]}. */
    public synchronized ArrayNode toJson() {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        entries.descendingIterator().forEachRemaining(e -> {
            ObjectNode n = out.addObject();
            n.put("at", e.atMillis());
            n.put("kind", e.kind());
            n.put("message", e.message());
        });
        return out;
    }
}
