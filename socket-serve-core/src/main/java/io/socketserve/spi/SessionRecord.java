package io.socketserve.spi;

import java.util.Map;
import java.util.Objects;

/**
 * What a backend stores about a session.
 *
 * @param id the public id
 * @param secretHash SHA-256 of the credential's secret part, hex; the secret itself is never stored
 * @param namespace the namespace the session connected to, fixed for its life
 * @param createdMillis wall-clock creation time
 * @param createdAt the log position at creation (set by {@link SessionStore#createSession}; 0 before),
 *     one component per partition of the log
 * @param cursorAt the position up to which a poller has been served, one component per partition
 * @param attributes string attributes set at the handshake (for example the authenticated
 *     principal), immutable afterwards
 */
public record SessionRecord(
        String id,
        String secretHash,
        String namespace,
        long createdMillis,
        LogPosition createdAt,
        LogPosition cursorAt,
        Map<String, String> attributes) {

    public SessionRecord {
        Objects.requireNonNull(id, "id == null");
        Objects.requireNonNull(secretHash, "secretHash == null");
        Objects.requireNonNull(namespace, "namespace == null");
        Objects.requireNonNull(createdAt, "createdAt == null");
        Objects.requireNonNull(cursorAt, "cursorAt == null");
        attributes = Map.copyOf(attributes);
    }

    /** A record of a single-partition log, with its positions as numbers. */
    public SessionRecord(
            String id,
            String secretHash,
            String namespace,
            long createdMillis,
            long createdPosition,
            long cursor,
            Map<String, String> attributes) {
        this(
                id,
                secretHash,
                namespace,
                createdMillis,
                LogPosition.of(createdPosition),
                LogPosition.of(cursor),
                attributes);
    }

    /**
     * The creation position in a single-partition log.
     *
     * @throws IllegalStateException if the record belongs to a partitioned log
     */
    public long createdPosition() {
        return createdAt.single();
    }

    /**
     * The poll cursor in a single-partition log.
     *
     * @throws IllegalStateException if the record belongs to a partitioned log
     */
    public long cursor() {
        return cursorAt.single();
    }

    /** This record with the given creation position (and cursor, which starts there); single partition. */
    public SessionRecord withCreatedPosition(long position) {
        return withCreatedAt(LogPosition.of(position));
    }

    /** This record with the given creation position (and cursor, which starts there). */
    public SessionRecord withCreatedAt(LogPosition position) {
        return new SessionRecord(id, secretHash, namespace, createdMillis, position, position, attributes);
    }

    /** This record with another cursor; single partition. */
    public SessionRecord withCursor(long position) {
        return withCursorAt(LogPosition.of(position));
    }

    /** This record with another cursor. */
    public SessionRecord withCursorAt(LogPosition position) {
        return new SessionRecord(id, secretHash, namespace, createdMillis, createdAt, position, attributes);
    }
}
