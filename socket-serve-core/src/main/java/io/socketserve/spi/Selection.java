package io.socketserve.spi;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which sessions a batched operation acts on: what {@code server.in(rooms).except(rooms)} and
 * {@code socket.to(rooms)} describe, as the backend sees it.
 *
 * <p>A session is selected when all of these hold:
 *
 * <ol>
 *   <li>it exists and its {@link SessionRecord#namespace()} is {@link #namespace()};
 *   <li>{@link #rooms()} is empty (every session of the namespace), or the session is a member of one
 *       of them, or its public id is the {@linkplain #idOf room part} of one of them;
 *   <li>it is a member of none of {@link #exceptRooms()}, and its public id is the room part of none
 *       of them;
 *   <li>its public id is not one of {@link #exceptIds()}.
 * </ol>
 *
 * <p>Rule 2 and 3 make every socket's public id an implicit room, as in Socket.IO: {@code
 * server.to(socketId)} selects that socket, {@code except(socketId)} leaves it out. A room key's
 * <em>room part</em> is the key itself in the root namespace {@code "/"}, and what follows the
 * namespace and {@link #NAMESPACE_SEPARATOR} (U+001F) in any other (the engine's room keys are built
 * that way); a key of another namespace has none.
 *
 * <p>At most {@link #max()} sessions are acted on. When more match, which ones is unspecified and the
 * operation says it was <em>truncated</em>; {@link BatchOperations#selectSessions} returns at most {@code max}
 * ids (ask for one more than you need to learn whether there are more).
 *
 * <pre>{@code
 * // server.of("/chat").in("lobby").except(senderId)
 * Selection s = new Selection("/chat", List.of("/chat\u001flobby"), List.of(), List.of(senderId), 10_000);
 * }</pre>
 *
 * @param namespace the namespace, for example {@code "/"}
 * @param rooms room keys to include; empty: every session of the namespace
 * @param exceptRooms room keys whose members (and whose id-rooms) are left out
 * @param exceptIds public ids left out
 * @param max the most sessions to act on, at least 1
 * @since 0.2
 */
public record Selection(
        String namespace, List<String> rooms, List<String> exceptRooms, List<String> exceptIds, int max) {

    /** Separates the namespace from the room name in a room key outside the root namespace. */
    public static final char NAMESPACE_SEPARATOR = '\u001f';

    public Selection {
        Objects.requireNonNull(namespace, "namespace == null");
        rooms = List.copyOf(rooms);
        exceptRooms = List.copyOf(exceptRooms);
        exceptIds = List.copyOf(exceptIds);
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
    }

    /** Every session of the namespace, up to {@code max}. */
    public static Selection all(String namespace, int max) {
        return new Selection(namespace, List.of(), List.of(), List.of(), max);
    }

    /** The members of these rooms (and the sessions these room keys name), up to {@code max}. */
    public static Selection rooms(String namespace, List<String> rooms, int max) {
        return new Selection(namespace, rooms, List.of(), List.of(), max);
    }

    /** This selection with another {@code max}. */
    public Selection withMax(int newMax) {
        return new Selection(namespace, rooms, exceptRooms, exceptIds, newMax);
    }

    /**
     * The room part of a room key of this selection's namespace: the public id of the session that
     * key names as an implicit room, if there is one. {@code null} for a key of another namespace.
     */
    public @Nullable String idOf(String roomKey) {
        return idOf(namespace, roomKey);
    }

    /** The room part of {@code roomKey} in {@code namespace}; see {@link #idOf(String)}. */
    public static @Nullable String idOf(String namespace, String roomKey) {
        if ("/".equals(namespace)) {
            return roomKey;
        }
        int n = namespace.length();
        if (roomKey.length() > n + 1 && roomKey.startsWith(namespace) && roomKey.charAt(n) == NAMESPACE_SEPARATOR) {
            return roomKey.substring(n + 1);
        }
        return null;
    }
}
