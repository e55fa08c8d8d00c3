package io.socketserve.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.Map;

/** Binary values as the protocol carries them: {@code {"$binary": "<standard base64>"}}. */
public final class BinaryCodec {

    private static final String KEY = "$binary";

    private BinaryCodec() {}

    /** Replaces every {@link BinaryNode} (a {@code byte[]} value) by {@code {"$binary": …}}. */
    public static JsonNode encode(JsonNode node) {
        if (node instanceof BinaryNode b) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put(KEY, Base64.getEncoder().encodeToString(b.binaryValue()));
            return o;
        }
        if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, encode(a.get(i)));
            }
        } else if (node instanceof ObjectNode o) {
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                e.setValue(encode(e.getValue()));
            }
        }
        return node;
    }

    /** Replaces every {@code {"$binary": …}} object by a {@link BinaryNode}. */
    public static JsonNode decode(JsonNode node) {
        if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, decode(a.get(i)));
            }
        } else if (node instanceof ObjectNode o) {
            if (o.size() == 1 && o.get(KEY) != null && o.get(KEY).isTextual()) {
                try {
                    return BinaryNode.valueOf(
                            Base64.getDecoder().decode(o.get(KEY).asText()));
                } catch (IllegalArgumentException notBase64) {
                    return o;
                }
            }
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                e.setValue(decode(e.getValue()));
            }
        }
        return node;
    }
}
