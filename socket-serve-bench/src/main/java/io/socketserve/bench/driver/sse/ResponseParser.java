package io.socketserve.bench.driver.sse;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An incremental HTTP/1.1 response parser written for the load generator: no allocation per body
 * byte, bodies either aggregated (small JSON answers) or streamed to the handler as they arrive (SSE).
 * Handles {@code Content-Length}, {@code Transfer-Encoding: chunked} (RFC 9112 §7.1) and bodies
 * delimited by the connection's close.
 */
final class ResponseParser {

    /** Receives what the parser found. */
    interface Handler {
        /**
         * The head of a response has been read.
         *
         * @return {@code true} to receive the body through {@link #onBodyPart} as it arrives, {@code
         *     false} to receive it whole in {@link #onResponse}
         */
        boolean onHead(int status, String contentType);

        /** A piece of a streamed body: {@code buf[index, index + length)}; not retained after the call. */
        void onBodyPart(ByteBuf buf, int index, int length);

        /** A complete aggregated response. */
        void onResponse(int status, byte[] body);

        /** A streamed body ended (last chunk, or the connection closed). */
        void onStreamEnd();
    }

    private enum State {
        HEAD,
        LENGTH_BODY,
        CHUNK_SIZE,
        CHUNK_DATA,
        CHUNK_END,
        TRAILER,
        UNTIL_CLOSE
    }

    private static final int MAX_LINE = 16 * 1024;

    private final Handler handler;
    private State state = State.HEAD;
    private byte[] line = new byte[128];
    private int lineLength;
    private int status = -1;
    private String contentType = "";
    private long contentLength = -1;
    private boolean chunked;
    private boolean streaming;
    private long remaining;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    ResponseParser(Handler handler) {
        this.handler = handler;
    }

    /** Consumes every readable byte of {@code in}. */
    void feed(ByteBuf in) {
        while (in.isReadable()) {
            switch (state) {
                case HEAD -> {
                    if (readLine(in)) {
                        headLine();
                    }
                }
                case LENGTH_BODY -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    body(in, n);
                    remaining -= n;
                    if (remaining == 0) {
                        finish();
                    }
                }
                case CHUNK_SIZE -> {
                    if (readLine(in)) {
                        long size = chunkSize();
                        if (size == 0) {
                            state = State.TRAILER;
                        } else {
                            remaining = size;
                            state = State.CHUNK_DATA;
                        }
                    }
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    body(in, n);
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_END;
                    }
                }
                case CHUNK_END -> {
                    if (readLine(in)) {
                        state = State.CHUNK_SIZE;
                    }
                }
                case TRAILER -> {
                    if (readLine(in) && lineLength == 0) {
                        finish();
                    }
                }
                case UNTIL_CLOSE -> body(in, in.readableBytes());
            }
        }
    }

    /** The connection closed: ends a body delimited by the close. */
    void closed() {
        if (state == State.UNTIL_CLOSE) {
            finish();
        } else if (streaming) {
            streaming = false;
            handler.onStreamEnd();
        }
    }

    /** Whether a streamed body is in progress. */
    boolean streaming() {
        return streaming;
    }

    private void body(ByteBuf in, int n) {
        if (n == 0) {
            return;
        }
        if (streaming) {
            handler.onBodyPart(in, in.readerIndex(), n);
        } else {
            byte[] part = new byte[n];
            in.getBytes(in.readerIndex(), part);
            body.write(part, 0, n);
        }
        in.skipBytes(n);
    }

    private void finish() {
        state = State.HEAD;
        if (streaming) {
            streaming = false;
            handler.onStreamEnd();
        } else {
            byte[] bytes = body.toByteArray();
            body.reset();
            handler.onResponse(status, bytes);
        }
        status = -1;
    }

    /** Reads up to and including LF; {@code true} when {@link #line} holds a complete line (CR/LF stripped). */
    private boolean readLine(ByteBuf in) {
        int start = in.readerIndex();
        int lf = in.forEachByte(start, in.readableBytes(), ByteProcessor.FIND_LF);
        int end = lf < 0 ? in.writerIndex() : lf;
        int n = end - start;
        if (lineLength + n > MAX_LINE) {
            throw new IllegalStateException("response line longer than " + MAX_LINE + " bytes");
        }
        if (lineLength + n > line.length) {
            line = java.util.Arrays.copyOf(line, Math.min(MAX_LINE, Math.max(line.length * 2, lineLength + n)));
        }
        in.getBytes(start, line, lineLength, n);
        lineLength += n;
        if (lf < 0) {
            in.readerIndex(end);
            return false;
        }
        in.readerIndex(lf + 1);
        if (lineLength > 0 && line[lineLength - 1] == '\r') {
            lineLength--;
        }
        return true;
    }

    private void headLine() {
        String text = new String(line, 0, lineLength, StandardCharsets.ISO_8859_1);
        lineLength = 0;
        if (status < 0) {
            if (text.isEmpty()) {
                return; // tolerate a stray CRLF between responses
            }
            // RFC 9112 §4: HTTP-version SP status-code SP [ reason-phrase ]
            String[] parts = text.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IllegalStateException("not an HTTP status line: " + text);
            }
            status = Integer.parseInt(parts[1]);
            contentType = "";
            contentLength = -1;
            chunked = false;
            return;
        }
        if (!text.isEmpty()) {
            int colon = text.indexOf(':');
            if (colon > 0) {
                String name = text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = text.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> contentLength = Long.parseLong(value);
                    case "transfer-encoding" -> chunked =
                            value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "content-type" -> contentType = value;
                    default -> {}
                }
            }
            return;
        }
        // End of head.
        streaming = handler.onHead(status, contentType);
        if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (contentLength >= 0) {
            remaining = contentLength;
            state = State.LENGTH_BODY;
            if (remaining == 0) {
                finish();
            }
        } else {
            state = State.UNTIL_CLOSE;
        }
    }

    private long chunkSize() {
        long size = 0;
        int digits = 0;
        for (int i = 0; i < lineLength; i++) {
            int d = Character.digit(line[i], 16);
            if (d < 0) {
                break; // chunk extensions (RFC 9112 §7.1.1) are ignored
            }
            size = size * 16 + d;
            digits++;
        }
        lineLength = 0;
        if (digits == 0) {
            throw new IllegalStateException("invalid chunk size line");
        }
        return size;
    }
}
