package io.socketserve.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.socketserve.Binary;
import java.io.IOException;
import java.util.Base64;

/** Jackson: {@code byte[]} ⇄ {@code {"$binary":"<base64>"}} (plain base64 strings are read too). */
final class BinaryModule extends SimpleModule {
    private static final long serialVersionUID = 1L;

    BinaryModule() {
        super("socket-serve-binary");
        addSerializer(byte[].class, new JsonSerializer<byte[]>() {
            @Override
            public void serialize(byte[] value, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeStartObject();
                gen.writeStringField(Binary.KEY, Base64.getEncoder().encodeToString(value));
                gen.writeEndObject();
            }
        });
        addDeserializer(byte[].class, new JsonDeserializer<byte[]>() {
            @Override
            public byte[] deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                if (p.currentToken() == JsonToken.VALUE_STRING) {
                    try {
                        return Base64.getDecoder().decode(p.getText());
                    } catch (IllegalArgumentException e) {
                        return (byte[]) ctx.handleWeirdStringValue(byte[].class, p.getText(), "not base64");
                    }
                }
                JsonNode node = ctx.readTree(p);
                if (!Binary.isBinary(node)) {
                    return (byte[]) ctx.handleUnexpectedToken(byte[].class, p);
                }
                try {
                    return Base64.getDecoder().decode(node.get(Binary.KEY).textValue());
                } catch (IllegalArgumentException e) {
                    return (byte[]) ctx.handleWeirdStringValue(
                            byte[].class, node.get(Binary.KEY).textValue(), "not base64");
                }
            }
        });
    }
}
