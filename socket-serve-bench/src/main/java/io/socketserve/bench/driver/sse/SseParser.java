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
        /** One event: {@code id} is -1 when the event had no {@code id:} field. */
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
            id = parseLong(line, 3 + (n > 3 && line[3] == ' ' ? 1 : 0), n);
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
