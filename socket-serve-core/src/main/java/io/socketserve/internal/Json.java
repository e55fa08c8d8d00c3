package io.socketserve.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socketserve.SocketServeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** JSON parsing of requests with the protocol's errors, and serialisation of payloads. */
final class Json {

    private static final Logger log = LoggerFactory.getLogger(Json.class);

    private final ObjectMapper mapper;
    private final RateLimitedWarning corrupt = new RateLimitedWarning(log, java.time.Duration.ofSeconds(10));

    Json(int maxDepth) {
        this(maxDepth, null);
    }

    /** With {@code base}: a copy of the application's mapper, constrained like the default one. */
    Json(int maxDepth, @Nullable ObjectMapper base) {
        if (base != null) {
            ObjectMapper copy = base.copy();
            copy.getFactory()
                    .setStreamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(maxDepth)
                            .build());
            copy.enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            copy.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
            copy.registerModule(new BinaryModule());
            this.mapper = copy;
            return;
        }
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(maxDepth)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.mapper = JsonMapper.builder(factory)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .findAndAddModules()
                .addModule(new BinaryModule())
                .build();
    }

    ObjectMapper mapper() {
        return mapper;
    }

    /**
     * The body as a JSON object; an empty body is an empty object when {@code emptyAllowed}.
     *
     * @throws ProtocolException 400 {@code invalid_json} for anything else
     */
    ObjectNode parseObject(byte[] body, boolean emptyAllowed) {
        if (body.length == 0 || isBlank(body)) {
            if (emptyAllowed) {
                return mapper.createObjectNode();
            }
            throw ProtocolException.badRequest("invalid_json", "request body is empty; a JSON object is required");
        }
        requireUtf8(body);
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw ProtocolException.badRequest("invalid_json", "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ProtocolException.badRequest("invalid_json", "malformed JSON");
        }
        if (node == null || !node.isObject()) {
            throw ProtocolException.badRequest("invalid_json", "request body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    private static void requireUtf8(byte[] body) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body));
        } catch (CharacterCodingException e) {
            throw ProtocolException.badRequest("invalid_json", "request body is not valid UTF-8");
        }
    }

    /** A string field, or {@code null} if absent/null; wrong type → 400 invalid_field. */
    static @Nullable String optionalString(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw ProtocolException.badRequest("invalid_field", "'" + field + "' must be a string");
        }
        return n.textValue();
    }

    static String requiredString(ObjectNode o, String field) {
        String s = optionalString(o, field);
        if (s == null) {
            throw ProtocolException.badRequest("missing_field", "'" + field + "' is required");
        }
        return s;
    }

    static boolean optionalBoolean(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw ProtocolException.badRequest("invalid_field", "'" + field + "' must be a boolean");
        }
        return n.booleanValue();
    }

    static JsonNode orNull(@Nullable JsonNode n) {
        return n == null ? NullNode.getInstance() : n;
    }

    /** Any value as JSON bytes ({@code null} → {@code null}). */
    byte[] write(@Nullable Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot serialise " + value.getClass().getName() + ": " + e.getOriginalMessage(), e);
        }
    }

    String writeString(@Nullable Object value) {
        return new String(write(value), StandardCharsets.UTF_8);
    }

    /**
     * A stored value (session data, a shared key, a presence state) as a tree; {@code null} stays
     * {@code null}. {@code what} names the value for the error (e.g. {@code "session data 'cart'"}).
     *
     * @throws SocketServeException 500 {@code corrupt_data} if the stored text is not JSON (logged at
     *     WARN, rate-limited); the stored value is left as it is
     */
    @Nullable
    JsonNode readStored(@Nullable String text, String what) {
        if (text == null) {
            return null;
        }
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw corrupt(what, e.getOriginalMessage(), e);
        }
        if (node == null || node.isMissingNode()) {
            throw corrupt(what, "no JSON value", null);
        }
        return node;
    }

    /**
     * A stored value bound to {@code type}; {@code null} stays {@code null}.
     *
     * @throws SocketServeException 500 {@code corrupt_data} if the stored text is not JSON (logged)
     * @throws IllegalArgumentException if it is JSON that does not bind to {@code type}
     */
    <T> @Nullable T readStored(@Nullable String text, Class<T> type, String what) {
        if (text == null) {
            return null;
        }
        try {
            return mapper.readValue(text, type);
        } catch (com.fasterxml.jackson.core.JsonParseException e) {
            throw corrupt(what, e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    what + " does not bind to " + type.getName() + ": " + e.getOriginalMessage(), e);
        }
    }

    private SocketServeException corrupt(String what, String detail, @Nullable Exception cause) {
        String message = what + " is stored but is not valid JSON: " + detail;
        SocketServeException error = cause == null
                ? new SocketServeException("corrupt_data", message, 500)
                : new SocketServeException("corrupt_data", message, 500, cause);
        corrupt.warn("{} (left as stored; the read fails with corrupt_data)", error.getMessage(), error);
        return error;
    }
}
