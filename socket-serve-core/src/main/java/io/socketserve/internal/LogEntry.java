package io.socketserve.internal;

import io.socketserve.spi.MembershipChange;
import java.util.List;

/**
 * What the engine writes to the backend's log. Every instance reads every entry in order and acts on
 * those that concern its attached sessions; {@link EntryCodec} turns them into bytes.
 */
sealed interface LogEntry {

    /** Wall-clock time the entry was created, for the recovery window by age. */
    long time();

    /** Whom a message is for. */
    enum TargetType {
        SESSION,
        ROOMS,
        ALL
    }

    /**
     * A message for one session, the members of some rooms, or everybody in a namespace.
     *
     * @param targets the session id (SESSION) or room keys (ROOMS); empty for ALL
     * @param exceptRooms room keys whose members are excluded
     * @param exceptSessions session ids excluded (the sender of {@code socket.to(room)})
     * @param isVolatile delivered live only, never replayed
     * @param frame the message JSON, encoded once for all recipients
     */
    record Message(
            long time,
            String namespace,
            TargetType type,
            List<String> targets,
            List<String> exceptRooms,
            List<String> exceptSessions,
            boolean isVolatile,
            byte[] frame)
            implements LogEntry {}

    /** A session joined a room (the entry's position is where the membership starts). */
    record Join(long time, String session, String room) implements LogEntry {}

    /** A session left a room. */
    record Leave(long time, String session, String room) implements LogEntry {}

    /** A session ended; the instance holding its stream closes it with {@code reason}. */
    record Disconnect(long time, String session, String reason) implements LogEntry {}

    /**
     * Membership changes of many sessions made by one batched operation ({@code socketsJoin}, {@code
     * socketsLeave}), written by the backend. It means exactly what the same {@link Join} and {@link
     * Leave} entries, in this order, would mean at this position.
     */
    record MembershipBatch(long time, List<MembershipChange> changes) implements LogEntry {

        public MembershipBatch {
            changes = List.copyOf(changes);
        }
    }

    /**
     * Sessions ended by one batched operation ({@code disconnectSockets}), written by the backend: a
     * {@link Disconnect} for each, at this position.
     */
    record DisconnectBatch(long time, List<String> sessions, String reason) implements LogEntry {

        public DisconnectBatch {
            sessions = List.copyOf(sessions);
        }
    }

    /**
     * A client's answer to a server→client acknowledgement request, routed to the instance that is
     * waiting for it.
     */
    record AckReply(long time, String session, String messageId, byte[] data) implements LogEntry {}

    /**
     * Not an entry of the log: marks, in a range the engine replays, that the positions in {@code
     * (after, oldest)} are missing although the store kept what came before and after them (entries
     * lost by the store, see {@link io.socketserve.spi.LogStore}). A replay turns it into {@code
     * __missed}. Never encoded.
     */
    record Lost(long time, long after, long oldest) implements LogEntry {}
}
