package io.socketserve.internal;

import io.socketserve.SocketServeException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * Room names and the keys the backend stores them under. Rooms of the default namespace {@code "/"}
 * are stored by their name; rooms of another namespace as {@code namespace + U+001F + name} (a
 * control character, so never part of a valid name), which keeps namespaces apart in one backend.
 */
final class RoomKeys {

    /** Separates a namespace from a room name in room keys. */
    static final char NS_SEPARATOR = io.socketserve.spi.Selection.NAMESPACE_SEPARATOR;

    private final int maxRoomNameLength;

    RoomKeys(int maxRoomNameLength) {
        this.maxRoomNameLength = maxRoomNameLength;
    }

    /** The key of {@code room} in {@code namespace}; throws {@code invalid_room} (400) for a bad name. */
    String key(String namespace, String room) {
        Objects.requireNonNull(room, "room == null");
        if (room.isEmpty() || room.length() > maxRoomNameLength) {
            throw new SocketServeException(
                    "invalid_room", "room name must have 1.." + maxRoomNameLength + " characters", 400);
        }
        for (int i = 0; i < room.length(); i++) {
            if (Character.isISOControl(room.charAt(i))) {
                throw new SocketServeException("invalid_room", "room name must not contain control characters", 400);
            }
        }
        return "/".equals(namespace) ? room : namespace + NS_SEPARATOR + room;
    }

    /** The keys of several rooms, duplicates removed, in order. */
    List<String> keys(String namespace, String... rooms) {
        List<String> keys = new ArrayList<>(rooms.length);
        for (String room : rooms) {
            keys.add(key(namespace, room));
        }
        return List.copyOf(new LinkedHashSet<>(keys));
    }

    /** The namespace a room key belongs to. */
    static String namespaceOf(String key) {
        int i = key.indexOf(NS_SEPARATOR);
        return i < 0 ? "/" : key.substring(0, i);
    }

    /** The room name of a key of {@code namespace}. */
    static String roomName(String namespace, String key) {
        if ("/".equals(namespace)) {
            return key;
        }
        int i = key.indexOf(NS_SEPARATOR);
        return i < 0 ? key : key.substring(i + 1);
    }

    static void validateNamespace(String name) {
        Objects.requireNonNull(name, "name == null");
        if (!isValidNamespace(name)) {
            throw new IllegalArgumentException(
                    "a namespace starts with '/' and has 1..128 printable characters: " + name);
        }
    }

    static boolean isValidNamespace(String name) {
        if (!name.startsWith("/") || name.length() > 128) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
