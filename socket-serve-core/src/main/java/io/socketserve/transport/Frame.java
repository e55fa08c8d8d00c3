package io.socketserve.transport;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One message on its way to clients, encoded once and shared by every recipient: the JSON object
 * (for polling answers) and the complete Server-Sent Events frame (for streams). Immutable: the
 * bytes are handed out as read-only views (each call returns a fresh view positioned at the start;
 * the bytes themselves are shared, never copied), so a transport can write the same frame to as
 * many connections as it likes and no one can change it under the others.
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

    /**
     * A frame at a position of a partitioned log, written with {@code id: } and the position's text
     * form ({@code io.socketserve.spi.LogPosition#encode()}); {@link #position()} is {@link
     * #NO_POSITION}; the id is only in the frame's bytes.
     *
     * @since 0.7
     */
    public static Frame of(String id, byte[] json) {
        if (id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("an id has no line break");
        }
        return new Frame(NO_POSITION, json, concat(("id: " + id + "\n").getBytes(StandardCharsets.US_ASCII), json));
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

    /** The message as a JSON object: a read-only view of the shared bytes. */
    public ByteBuffer json() {
        return ByteBuffer.wrap(json).asReadOnlyBuffer();
    }

    /** The complete SSE frame: a read-only view of the shared bytes. */
    public ByteBuffer sse() {
        return ByteBuffer.wrap(sse).asReadOnlyBuffer();
    }

    /** Length of {@link #sse()} in bytes (what a stream's buffer accounting counts). */
    public int sseLength() {
        return sse.length;
    }

    /** Writes the JSON object to {@code out} (polling answers). */
    public void writeJson(OutputStream out) throws IOException {
        out.write(json);
    }
}
