package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.socketserve.Namespace;
import io.socketserve.RoomMessage;
import io.socketserve.SocketServeException;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.LogRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a room's last messages back from the log ({@link Namespace#history}): walks the log
 * backwards from its head with {@link Backend#readBefore} in chunks, decodes each entry once, and
 * keeps the room's non-volatile messages that are inside the recovery window, until it has enough,
 * reaches the log's start, the window's age or the scan bound.
 */
final class History {

    private static final Logger log = LoggerFactory.getLogger(History.class);

    /** Entries per backend read. */
    static final int CHUNK = 256;

    /**
     * Instances' clocks differ a little, so entry times are not strictly ordered: the walk goes this
     * far past the age cutoff before it stops (messages older than the cutoff are never returned).
     */
    static final long CLOCK_SKEW_MILLIS = 5_000;

    private final Backend backend;
    private final ObjectMapper mapper;
    private final Executor executor;
    private final int maxScan;
    private final long maxAgeMillis;
    private final long timeoutMillis;

    /**
     * @param executor where decoding runs (backend stages may complete on network threads)
     * @param maxScan the most entries one call reads
     * @param maxAgeMillis the recovery window by age
     * @param timeoutMillis how long one call may take in all
     */
    History(
            Backend backend,
            ObjectMapper mapper,
            Executor executor,
            int maxScan,
            long maxAgeMillis,
            long timeoutMillis) {
        this.backend = backend;
        this.mapper = mapper;
        this.executor = executor;
        this.maxScan = maxScan;
        this.maxAgeMillis = maxAgeMillis;
        this.timeoutMillis = timeoutMillis;
    }

    /** The walk's state: what was found (newest first) and how far it went. */
    private static final class Walk {
        final String room;
        final int limit;
        final Set<String> events;
        final long cutoff;
        final List<RoomMessage> found = new ArrayList<>();
        int scanned;
        boolean done;

        Walk(String room, int limit, Set<String> events, long cutoff) {
            this.room = room;
            this.limit = limit;
            this.events = events;
            this.cutoff = cutoff;
        }
    }

    /** The room's last {@code limit} messages (of {@code events}; all when empty), oldest first. */
    CompletionStage<List<RoomMessage>> read(String roomKey, int limit, Set<String> events) {
        Objects.requireNonNull(roomKey, "room == null");
        if (limit < 1 || limit > Namespace.MAX_HISTORY_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + Namespace.MAX_HISTORY_LIMIT + ": " + limit);
        }
        Walk walk = new Walk(roomKey, limit, events, System.currentTimeMillis() - maxAgeMillis);
        CompletableFuture<List<RoomMessage>> result = new CompletableFuture<>();
        int partition = io.socketserve.spi.Partitions.of(roomKey, backend.partitions());
        (partition == 0 ? backend.head() : backend.head(partition)).whenComplete((head, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                step(walk, head + 1, result);
            }
        });
        // the timer owns the timeout: a backend that never answers cannot leave the caller waiting
        return result.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS).handle((messages, error) -> {
            if (error == null) {
                return messages;
            }
            Throwable cause = Blocking.unwrap(error);
            if (cause instanceof TimeoutException || cause instanceof BackendUnavailableException) {
                throw new SocketServeException(
                        "unavailable", "room history could not be read", 503, cause); // the cause keeps the detail
            }
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        });
    }

    private void step(Walk walk, long before, CompletableFuture<List<RoomMessage>> result) {
        int n = Math.min(CHUNK, maxScan - walk.scanned);
        if (walk.done || n <= 0 || before <= 1) {
            List<RoomMessage> out = new ArrayList<>(walk.found);
            Collections.reverse(out);
            result.complete(out);
            return;
        }
        int partition = io.socketserve.spi.Partitions.of(walk.room, backend.partitions());
        (partition == 0 ? backend.readBefore(before, n) : backend.readBefore(partition, before, n))
                .thenAcceptAsync(
                        slice -> {
                            List<LogRecord> records = slice.records();
                            walk.scanned += records.size();
                            scan(walk, records);
                            if (records.size() < n || records.get(0).position() <= slice.oldestPosition()) {
                                walk.done = true; // the start of the log
                            }
                            step(walk, records.isEmpty() ? 0 : records.get(0).position(), result);
                        },
                        executor)
                .exceptionally(error -> {
                    result.completeExceptionally(Blocking.unwrap(error));
                    return null;
                });
    }

    /** Looks at the records newest first. */
    private void scan(Walk walk, List<LogRecord> records) {
        for (int i = records.size() - 1; i >= 0 && !walk.done; i--) {
            LogEntry entry;
            try {
                entry = EntryCodec.decode(records.get(i).entry());
            } catch (IllegalArgumentException e) {
                log.debug("history skips log entry {}: {}", records.get(i).position(), e.getMessage());
                continue;
            }
            if (entry.time() < walk.cutoff - CLOCK_SKEW_MILLIS) {
                walk.done = true; // older than the window: so is everything before it
            } else if (entry instanceof LogEntry.Message m && m.time() >= walk.cutoff && isFor(m, walk.room)) {
                RoomMessage message = decode(records.get(i).position(), m);
                if (message != null && (walk.events.isEmpty() || walk.events.contains(message.event()))) {
                    walk.found.add(message);
                    walk.done = walk.found.size() >= walk.limit;
                }
            }
        }
    }

    /** A room message: addressed to the room, nobody left out but perhaps its sender, not volatile. */
    private static boolean isFor(LogEntry.Message m, String room) {
        return m.type() == LogEntry.TargetType.ROOMS
                && !m.isVolatile()
                && m.exceptRooms().isEmpty()
                && m.targets().contains(room);
    }

    private @Nullable RoomMessage decode(long position, LogEntry.Message m) {
        try {
            JsonNode frame = mapper.readTree(m.frame());
            JsonNode data = frame.get("data");
            JsonNode from = frame.get("sessionId");
            return new RoomMessage(
                    position,
                    frame.path("event").asText(),
                    data == null ? NullNode.getInstance() : data,
                    frame.path("timestamp").asLong(m.time()),
                    from == null || !from.isTextual() ? null : from.asText());
        } catch (IOException e) {
            log.debug("history skips log entry {}: {}", position, e.getMessage());
            return null;
        }
    }
}
