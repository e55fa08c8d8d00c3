package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.Binary;
import io.socketserve.SocketServeException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BinaryTest {

    private final Json json = new Json(64);

    private static byte[] everyByte() {
        byte[] b = new byte[256 * 4];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    @Test
    void binaryValuesTravelAsDollarBinaryObjectsAndComeBackIntact() throws Exception {
        byte[] bytes = everyByte();
        String wire = new String(json.write(Map.of("file", Binary.of(bytes))), StandardCharsets.UTF_8);
        assertThat(wire).startsWith("{\"file\":{\"$binary\":\"");
        JsonNode back = json.mapper().readTree(wire);
        assertThat(Binary.isBinary(back.get("file"))).isTrue();
        assertThat(Binary.decode(back.get("file"))).isEqualTo(bytes);
    }

    record Upload(String name, byte[] content) {}

    @Test
    void byteArrayFieldsBindBothWays() throws Exception {
        byte[] bytes = everyByte();
        String wire = new String(json.write(new Upload("a.bin", bytes)), StandardCharsets.UTF_8);
        assertThat(wire).contains("\"content\":{\"$binary\":");
        Upload back = json.mapper().readValue(wire, Upload.class);
        assertThat(back.content()).isEqualTo(bytes);
        Upload plain = json.mapper().readValue("{\"name\":\"b\",\"content\":\"AAEC\"}", Upload.class);
        assertThat(plain.content()).containsExactly(0, 1, 2);
    }

    @Test
    void malformedBinaryIsAClearError() throws Exception {
        assertThatThrownBy(() -> Binary.decode(json.mapper().readTree("{\"$binary\":\"***\"}")))
                .isInstanceOf(SocketServeException.class)
                .hasMessageContaining("base64");
        assertThatThrownBy(() -> Binary.decode(json.mapper().readTree("\"x\"")))
                .isInstanceOf(SocketServeException.class)
                .hasMessageContaining("$binary");
    }
}
