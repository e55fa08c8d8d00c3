package io.socketserve.internal;

import io.socketserve.transport.Frame;
import io.socketserve.transport.JsonStrings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Builds the JSON of frames by concatenation: the payload is serialised once, elsewhere. */
final class Frames {

    private Frames() {}

    /**
     * {@code {"event":…,"data":…,"timestamp":…,"sessionId":…,"messageId":…,"requiresAck":true}}.
     *
     * @param data the payload, already JSON
     * @param socketId public id of the socket the message is from or about, or {@code null}
     * @param messageId set when the server asks for an acknowledgement
     */
    static byte[] message(
            String event, byte[] data, long timestamp, @Nullable String socketId, @Nullable String messageId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 96);
        ascii(out, "{\"event\":");
        utf8(out, JsonStrings.quote(event));
        ascii(out, ",\"data\":");
        out.writeBytes(data);
        ascii(out, ",\"timestamp\":");
        ascii(out, Long.toString(timestamp));
        if (socketId != null) {
            ascii(out, ",\"sessionId\":");
            utf8(out, JsonStrings.quote(socketId));
        }
        if (messageId != null) {
            ascii(out, ",\"messageId\":");
            utf8(out, JsonStrings.quote(messageId));
            ascii(out, ",\"requiresAck\":true");
        }
        out.write('}');
        return out.toByteArray();
    }

    /** The {@code __ack} frame answering a client's acknowledgement request. */
    static byte[] ack(String messageId, byte[] data, boolean error) {
        return ("{\"event\":\"__ack\",\"messageId\":" + JsonStrings.quote(messageId)
                        + (error ? ",\"error\":" : ",\"data\":") + new String(data, StandardCharsets.UTF_8) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    static Frame connected(String publicId) {
        byte[] json = ("{\"event\":\"connected\",\"data\":{\"id\":" + JsonStrings.quote(publicId) + "}}")
                .getBytes(StandardCharsets.UTF_8);
        return Frame.control(json, 1000);
    }

    static byte[] missedJson(long after, long oldest) {
        return ("{\"event\":\"__missed\",\"data\":{\"after\":" + after + ",\"oldest\":" + oldest + "}}")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The {@code __missed} frame of one partition of a partitioned log: {@code
     * {"event":"__missed","data":{"after":…,"oldest":…,"partition":…}}}; for a single-partition log
     * exactly {@link #missedJson(long, long)}.
     */
    static byte[] missedJson(long after, long oldest, int partition, int partitions) {
        if (partitions == 1) {
            return missedJson(after, oldest);
        }
        return ("{\"event\":\"__missed\",\"data\":{\"after\":" + after + ",\"oldest\":" + oldest + ",\"partition\":"
                        + partition + "}}")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A position as a JSON value: a number for a single-partition log (as before partitions), else
     * its text form as a string.
     */
    static String positionJson(io.socketserve.spi.LogPosition position) {
        return position.partitions() == 1 ? Long.toString(position.single()) : "\"" + position.encode() + "\"";
    }

    /** A message frame at {@code position} (its text form as the SSE id). */
    static Frame at(io.socketserve.spi.LogPosition position, byte[] json) {
        return position.partitions() == 1 ? Frame.of(position.single(), json) : Frame.of(position.encode(), json);
    }

    static Frame disconnect(String reason) {
        byte[] json = ("{\"event\":\"__disconnect\",\"data\":{\"reason\":" + JsonStrings.quote(reason) + "}}")
                .getBytes(StandardCharsets.UTF_8);
        return Frame.control(json, 0);
    }

    /**
     * {@code {"event":"__reconnect","data":{"reason":…}}} (v1): the last frame of a stream that a
     * graceful shutdown ends while its session lives on. The client reconnects at once — elsewhere —
     * and resumes from its last position. {@code retry: 100} makes an {@code EventSource} that
     * reconnects by itself (the original client) do so almost at once too; an older client sees an
     * event it has no listener for.
     */
    static Frame reconnect(String reason) {
        byte[] json = ("{\"event\":\"__reconnect\",\"data\":{\"reason\":" + JsonStrings.quote(reason) + "}}")
                .getBytes(StandardCharsets.UTF_8);
        return Frame.control(json, RECONNECT_RETRY_MILLIS);
    }

    /** The {@code retry:} of the {@link #reconnect} frame. */
    static final long RECONNECT_RETRY_MILLIS = 100;

    private static void ascii(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static void utf8(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
