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
 * @param createdPosition the log position at creation (set by {@link SessionStore#createSession}; 0
 *     before)
 * @param cursor the position up to which a poller has been served
 * @param attributes string attributes set at the handshake (for example the authenticated
 *     principal), immutable afterwards
 */
public record SessionRecord(
        String id,
        String secretHash,
        String namespace,
        long createdMillis,
        long createdPosition,
        long cursor,
        Map<String, String> attributes) {

    public SessionRecord {
        Objects.requireNonNull(id, "id == null");
        Objects.requireNonNull(secretHash, "secretHash == null");
        Objects.requireNonNull(namespace, "namespace == null");
        attributes = Map.copyOf(attributes);
    }

    /** This record with the given creation position (and cursor, which starts there). */
    public SessionRecord withCreatedPosition(long position) {
        return new SessionRecord(id, secretHash, namespace, createdMillis, position, position, attributes);
    }

    /** This record with another cursor. */
    public SessionRecord withCursor(long position) {
        return new SessionRecord(id, secretHash, namespace, createdMillis, createdPosition, position, attributes);
    }
}
