package io.socketserve.transport;

import java.nio.charset.StandardCharsets;

/**
 * One message on its way to clients, encoded once and shared by every recipient: the JSON object
 * (for polling answers) and the complete Server-Sent Events frame (for streams). Immutable; the
 * arrays must not be modified, and a transport may wrap them without copying (for example with
 * Netty's {@code Unpooled.wrappedBuffer}) for as many connections as it likes.
 */
public final class Frame {

    /** No position: the frame carries no {@code id:} (for {@code connected} and control frames). */
    public static final long NO_POSITION = -1;

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final long position;
    private final byte[] json;
    private final byte[] sse;

    private Frame(long position, byte[] json, byte[] sse) {
        this.position = position;
        this.json = json;
        this.sse = sse;
    }

    /** A frame at a log position (written with {@code id: position}). */
    public static Frame of(long position, byte[] json) {
        byte[] id =
                position == NO_POSITION ? new byte[0] : ("id: " + position + "\n").getBytes(StandardCharsets.US_ASCII);
        return new Frame(position, json, concat(id, json));
    }

    /** A frame without position, preceded by a {@code retry:} field when {@code retryMillis > 0}. */
    public static Frame control(byte[] json, long retryMillis) {
        byte[] prefix =
                retryMillis > 0 ? ("retry: " + retryMillis + "\n").getBytes(StandardCharsets.US_ASCII) : new byte[0];
        return new Frame(NO_POSITION, json, concat(prefix, json));
    }

    private static byte[] concat(byte[] prefix, byte[] json) {
        // The JSON never contains a raw newline (the encoder escapes them), so one data: line holds it.
        byte[] out = new byte[prefix.length + DATA.length + json.length + END.length];
        int i = 0;
        System.arraycopy(prefix, 0, out, i, prefix.length);
        i += prefix.length;
        System.arraycopy(DATA, 0, out, i, DATA.length);
        i += DATA.length;
        System.arraycopy(json, 0, out, i, json.length);
        i += json.length;
        System.arraycopy(END, 0, out, i, END.length);
        return out;
    }

    /** The log position, or {@link #NO_POSITION}. */
    public long position() {
        return position;
    }

    /** The message as a JSON object (shared; do not modify). */
    public byte[] json() {
        return json;
    }

    /** The complete SSE frame bytes (shared; do not modify). */
    public byte[] sse() {
        return sse;
    }
}
