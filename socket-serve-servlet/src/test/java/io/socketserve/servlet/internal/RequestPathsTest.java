package io.socketserve.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestPathsTest {

    @Test
    void plainPathsAreUnchanged() {
        assertThat(RequestPaths.decode("/socket/connect")).isEqualTo("/socket/connect");
        assertThat(RequestPaths.decode("//socket//connect")).isEqualTo("//socket//connect");
        assertThat(RequestPaths.decode("/socket/connect;x=1")).isEqualTo("/socket/connect;x=1");
    }

    @Test
    void escapesAreDecodedAsUtf8AndPlusStaysAPlus() {
        assertThat(RequestPaths.decode("/socket/%63onnect")).isEqualTo("/socket/connect");
        assertThat(RequestPaths.decode("/caf%C3%A9+x")).isEqualTo("/café+x");
        assertThat(RequestPaths.decode("/%2e%2e/etc")).isEqualTo("/../etc");
    }

    @Test
    void malformedEscapesAreNull() {
        assertThat(RequestPaths.decode("/%zz")).isNull();
        assertThat(RequestPaths.decode("/a%4")).isNull();
        assertThat(RequestPaths.decode("/a%")).isNull();
    }
}
