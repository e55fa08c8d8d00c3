package io.socketserve;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * Bytes inside an event payload (images, files). On the wire a binary value is the JSON object
 * {@code {"$binary":"<base64>"}} wherever it appears in {@code data}; our JavaScript client turns
 * {@code Uint8Array}/{@code ArrayBuffer} values into that form when sending and back into {@code
 * Uint8Array} when receiving. The payload size limit ({@link ServerOptions#maxPayloadBytes()})
 * applies to the encoded JSON, which is about 4/3 of the bytes.
 *
 * <pre>{@code
 * server.on("upload", (socket, data, ack) -> {
 *     byte[] image = Binary.decode(data.get("image"));
 *     socket.broadcastToRoom("gallery", "image", Map.of("from", socket.id(), "image", Binary.of(image)));
 * });
 * }</pre>
 *
 * <p>A {@code byte[]} field of a payload class is written and read in the same form by the server's
 * mapper (plain base64 strings are read too).
 */
public final class Binary {

    /** The key of the wire form. */
    public static final String KEY = "$binary";

    private final byte[] bytes;

    private Binary(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps bytes (not copied: do not modify them afterwards). */
    public static Binary of(byte[] bytes) {
        return new Binary(Objects.requireNonNull(bytes, "bytes == null"));
    }

    /** The bytes (not a copy). */
    public byte[] bytes() {
        return bytes;
    }

    /** The wire form. */
    @JsonValue
    public Map<String, String> toJson() {
        return Map.of(KEY, Base64.getEncoder().encodeToString(bytes));
    }

    /** Whether a payload value is a binary value in the wire form. */
    public static boolean isBinary(JsonNode node) {
        return node != null
                && node.isObject()
                && node.size() == 1
                && node.path(KEY).isTextual();
    }

    /**
     * The bytes of a payload value in the wire form.
     *
     * @throws SocketServeException {@code invalid_payload} (400) if it is not one
     */
    public static byte[] decode(JsonNode node) {
        if (!isBinary(node)) {
            throw new SocketServeException(
                    "invalid_payload", "expected a binary value {\"$binary\":\"<base64>\"}", 400);
        }
        try {
            return Base64.getDecoder().decode(node.get(KEY).textValue());
        } catch (IllegalArgumentException e) {
            throw new SocketServeException("invalid_payload", "the binary value is not valid base64", 400);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Binary b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Binary[" + bytes.length + " bytes]";
    }
}
