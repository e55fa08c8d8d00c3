package io.socketserve.spi;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * The log entries a backend writes itself for the batched operations: the engine cannot encode them
 * beforehand, since only the backend knows which sessions a {@link Selection} holds.
 *
 * <p>Such an entry is the {@code entryPrefix} the engine passed (its codec's header: kind and time),
 * followed directly by UTF-8 JSON:
 *
 * <table>
 *   <caption>Batch entry bodies</caption>
 *   <tr><th>operation</th><th>JSON after the prefix</th></tr>
 *   <tr><td>{@link BatchOperations#joinSelected}, {@link BatchOperations#leaveSelected}</td>
 *       <td>{@code {"c":[["<session>","<room key>",true],…]}}: the changes in the order they were
 *       made, {@code true} for joined, {@code false} for left</td></tr>
 *   <tr><td>{@link BatchOperations#removeSelected}</td>
 *       <td>{@code {"r":"<reason>","s":["<session>",…]}}: the removed sessions and the reason</td></tr>
 * </table>
 *
 * <p>Readers accept the object's keys in any order, ignore keys they do not know, and accept any
 * valid JSON escaping (Redis's {@code cjson} writes {@code \/} for {@code /}, for example). A batch
 * entry is only appended when it lists at least one change or session. These helpers are for
 * backends written in Java; a backend that writes the JSON elsewhere (a Lua script) follows the
 * same format.
 *
 * @since 0.2
 */
public final class BatchEntries {

    private BatchEntries() {}

    /** {@code entryPrefix} followed by the JSON body of a membership batch. */
    public static byte[] membership(byte[] entryPrefix, List<MembershipChange> changes) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        StringBuilder json = new StringBuilder(16 + changes.size() * 48).append("{\"c\":[");
        for (int i = 0; i < changes.size(); i++) {
            MembershipChange c = changes.get(i);
            json.append(i == 0 ? "[" : ",[");
            string(json, c.session()).append(',');
            string(json, c.room()).append(',').append(c.joined()).append(']');
        }
        return concat(entryPrefix, json.append("]}"));
    }

    /** {@code entryPrefix} followed by the JSON body of a removal batch. */
    public static byte[] removal(byte[] entryPrefix, List<String> sessions, String reason) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        StringBuilder json = new StringBuilder(32 + sessions.size() * 24).append("{\"r\":");
        string(json, reason).append(",\"s\":[");
        for (int i = 0; i < sessions.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            string(json, sessions.get(i));
        }
        return concat(entryPrefix, json.append("]}"));
    }

    private static byte[] concat(byte[] prefix, CharSequence json) {
        byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(body, 0, out, prefix.length, body.length);
        return out;
    }

    /** A JSON string literal (RFC 8259 §7). */
    private static StringBuilder string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}
