package io.socketserve.internal;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A message to publish, built once by whoever selects its recipients and handed to {@link
 * Publisher#publish}: the namespace, whom it is for, what to leave out, and the event.
 *
 * @param type SESSION (targets: one session id), ROOMS (targets: room keys) or ALL
 * @param exceptRooms room keys whose members are left out
 * @param exceptSessions session ids left out (the sender of {@code socket.to(room)})
 * @param isVolatile delivered to who is attached now, never stored for replay
 * @param from the public id shown as the frame's {@code sessionId}, if any
 * @param messageId set when the client is asked to acknowledge
 */
record OutboundMessage(
        String namespace,
        LogEntry.TargetType type,
        List<String> targets,
        List<String> exceptRooms,
        List<String> exceptSessions,
        boolean isVolatile,
        String event,
        @Nullable Object data,
        @Nullable String from,
        @Nullable String messageId) {

    OutboundMessage {
        Objects.requireNonNull(namespace, "namespace == null");
        Objects.requireNonNull(type, "type == null");
        Objects.requireNonNull(event, "event == null");
        targets = List.copyOf(targets);
        exceptRooms = List.copyOf(exceptRooms);
        exceptSessions = List.copyOf(exceptSessions);
    }

    /** To one session, shown as sent by itself (its own {@code socket.emit}). */
    static OutboundMessage toSession(
            String namespace, String sessionId, String event, @Nullable Object data, @Nullable String messageId) {
        return new OutboundMessage(
                namespace,
                LogEntry.TargetType.SESSION,
                List.of(sessionId),
                List.of(),
                List.of(),
                false,
                event,
                data,
                sessionId,
                messageId);
    }

    /** To the members of one room. */
    static OutboundMessage toRoom(String namespace, String roomKey, String event, @Nullable Object data, String from) {
        return new OutboundMessage(
                namespace,
                LogEntry.TargetType.ROOMS,
                List.of(roomKey),
                List.of(),
                List.of(),
                false,
                event,
                data,
                from,
                null);
    }
}
