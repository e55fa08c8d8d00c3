package io.socketserve.bench.driver.sse;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * An incremental Server-Sent Events parser (WHATWG HTML §9.2.6, the subset our server writes): {@code
 * id:}, {@code data:} (several lines joined with LF), comments, blank line dispatches. Buffers are
 * reused: the handler must copy what it keeps.
 */
final class SseParser {

    /** Receives events. */
    interface Handler {
        /**
         * One event: {@code id} is -1 when the event had no {@code id:} field. A partitioned log's
         * position ({@code "1z.0.a3"}: base-36 components joined by {@code '.'}) arrives as the sum of
         * its components, which grows with every frame of one stream (each frame's position is at or
         * past the previous one in every component); its text is then {@link SseParser#vectorId}.
         */
        void onEvent(long id, byte[] data, int length);

        /** A comment line ({@code : keepalive}). */
        void onComment();
    }

    // Field names as constants: a varargs call allocated a char[] per line (84 % of the generator's
    // allocation at 5,000 subscribers, JFR).
    private static final byte[] DATA = {'d', 'a', 't', 'a', ':'};
    private static final byte[] ID = {'i', 'd', ':'};
    private static final byte[] LF = {'\n'};

    private final Handler handler;
    private byte[] line = new byte[256];
    private int lineLength;
    private byte[] data = new byte[256];
    private int dataLength;
    private boolean hasData;
    private long id = -1;
    private byte[] idText = new byte[32];
    private int idTextLength;
    private boolean vector;

    SseParser(Handler handler) {
        this.handler = handler;
    }

    /** Consumes {@code buf[index, index + length)} without moving its indexes. */
    void feed(ByteBuf buf, int index, int length) {
        int end = index + length;
        int i = index;
        while (i < end) {
            int lf = buf.indexOf(i, end, (byte) '\n');
            int stop = lf < 0 ? end : lf;
            int n = stop - i;
            if (lineLength + n > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + n));
            }
            buf.getBytes(i, line, lineLength, n);
            lineLength += n;
            if (lf < 0) {
                return;
            }
            processLine();
            i = lf + 1;
        }
    }

    /** Same as {@link #feed(ByteBuf, int, int)} for an array (tests). */
    void feed(byte[] bytes) {
        feed(io.netty.buffer.Unpooled.wrappedBuffer(bytes), 0, bytes.length);
    }

    private void processLine() {
        int n = lineLength;
        lineLength = 0;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        if (n == 0) {
            if (hasData) {
                handler.onEvent(id, data, dataLength);
            }
            hasData = false;
            dataLength = 0;
            id = -1;
            vector = false;
            return;
        }
        if (line[0] == ':') {
            handler.onComment();
        } else if (startsWith(line, n, DATA)) {
            int from = 5 + (n > 5 && line[5] == ' ' ? 1 : 0);
            if (hasData) {
                appendData(LF, 0, 1);
            }
            appendData(line, from, n - from);
            hasData = true;
        } else if (startsWith(line, n, ID)) {
            int from = 3 + (n > 3 && line[3] == ' ' ? 1 : 0);
            id = parseLong(line, from, n);
            vector = id < 0 && from < n && parseVector(line, from, n);
        }
        // retry:, event: and unknown fields are ignored (the server writes no event: field)
    }

    private void appendData(byte[] src, int from, int n) {
        if (dataLength + n > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, dataLength + n));
        }
        System.arraycopy(src, from, data, dataLength, n);
        dataLength += n;
    }

    private static boolean startsWith(byte[] b, int n, byte[] prefix) {
        if (n < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The text of the current event's {@code id:} if it is a partitioned log's position, else null;
     * valid during {@link Handler#onEvent} only, copied into {@code into} (grown if needed).
     */
    byte[] vectorId(byte[] into, int[] length) {
        if (!vector) {
            length[0] = -1;
            return into;
        }
        byte[] out = into.length >= idTextLength ? into : new byte[idTextLength];
        System.arraycopy(idText, 0, out, 0, idTextLength);
        length[0] = idTextLength;
        return out;
    }

    /** Parses base-36 components joined by '.', sets {@link #id} to their sum and keeps the text. */
    private boolean parseVector(byte[] b, int from, int to) {
        long sum = 0;
        long component = 0;
        int digits = 0;
        for (int i = from; i <= to; i++) {
            int c = i == to ? '.' : b[i];
            if (c == '.') {
                if (digits == 0) {
                    return false;
                }
                sum += component;
                component = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                component = component * 36 + (c - '0');
                digits++;
            } else if (c >= 'a' && c <= 'z') {
                component = component * 36 + (c - 'a' + 10);
                digits++;
            } else {
                return false;
            }
        }
        int n = to - from;
        if (idText.length < n) {
            idText = new byte[Math.max(n, idText.length * 2)];
        }
        System.arraycopy(b, from, idText, 0, n);
        idTextLength = n;
        id = sum;
        return true;
    }

    private static long parseLong(byte[] b, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return from < to ? v : -1;
    }
}
