package io.socketserve.netty.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Parses a Server-Sent Events body (WHATWG HTML §9.2.6) line by line: {@code id:} and {@code data:}
 * fields, comments, a blank line dispatching the frame. A frame not terminated by a blank line when
 * the stream ends is discarded, as a browser would.
 */
final class SseParser {

    /** What the parser reports. */
    interface Listener {
        void frame(ReceivedFrame frame);

        void comment(String text);

        /** Every line as received, for assertions on the raw bytes. */
        void raw(String line);
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SseParser() {}

    /** Reads until the stream ends or fails; returns the last {@code id:} seen in a dispatched frame. */
    static void parse(InputStream body, int stream, Listener listener) throws IOException {
        StringBuilder data = new StringBuilder();
        String id = null;
        boolean hasData = false;
        String line;
        while ((line = readUtf8Line(body)) != null) {
            listener.raw(line);
            if (line.isEmpty()) {
                if (hasData) {
                    JsonNode json = MAPPER.readTree(data.toString());
                    listener.frame(new ReceivedFrame(number(id), json, stream, id));
                }
                data.setLength(0);
                hasData = false;
                id = null;
            } else if (line.startsWith(":")) {
                listener.comment(line.substring(1).trim());
            } else {
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                switch (field) {
                    case "data" -> {
                        if (hasData) {
                            data.append('\n');
                        }
                        data.append(value);
                        hasData = true;
                    }
                    case "id" -> id = value;
                    default -> {} // retry, event: not used by the protocol's frames
                }
            }
        }
    }

    /** The id as a number, or null when absent or not a number (a position over several partitions). */
    private static @Nullable Long number(@Nullable String id) {
        if (id == null || id.isEmpty() || !id.chars().allMatch(c -> c >= '0' && c <= '9') || id.length() > 18) {
            return null;
        }
        return Long.parseLong(id);
    }

    /** A LF-terminated line (CR before it dropped), or {@code null} at the end; partial last lines are dropped. */
    private static String readUtf8Line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] b = line.toByteArray();
                int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, n, StandardCharsets.UTF_8);
            }
            line.write(c);
        }
        return null;
    }
}
