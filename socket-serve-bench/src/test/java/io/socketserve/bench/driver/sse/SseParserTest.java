package io.socketserve.bench.driver.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Positions of a partitioned log ({@code id: 1z.0.a3}) in the generator's SSE parser. */
class SseParserTest {

    /** Records each event's id, and the vector text when there is one. */
    private static final class Recorder implements SseParser.Handler {
        final SseParser sse = new SseParser(this);
        final List<Long> ids = new ArrayList<>();
        final List<String> vectors = new ArrayList<>();
        byte[] into = new byte[2];
        final int[] length = {-1};

        @Override
        public void onEvent(long id, byte[] data, int len) {
            ids.add(id);
            into = sse.vectorId(into, length);
            vectors.add(length[0] < 0 ? null : new String(into, 0, length[0], StandardCharsets.US_ASCII));
        }

        @Override
        public void onComment() {}

        void feed(String s) {
            sse.feed(s.getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aDecimalIdIsThePositionAndNoVector() {
        Recorder r = new Recorder();
        r.feed("id: 42\ndata: {}\n\n");
        assertThat(r.ids).containsExactly(42L);
        assertThat(r.vectors).containsExactly((String) null);
    }

    @Test
    void aVectorIdIsTheSumOfItsBase36ComponentsAndKeepsItsText() {
        Recorder r = new Recorder();
        r.feed("id: 1z.0.a3\ndata: {}\n\n");
        assertThat(r.ids).containsExactly(71L + 0 + 363);
        assertThat(r.vectors).containsExactly("1z.0.a3");
    }

    @Test
    void successiveFramesOfAStreamHaveGrowingSums() {
        Recorder r = new Recorder();
        r.feed("id: 0.5.0\ndata: {}\n\nid: 1.5.0\ndata: {}\n\nid: 1.5.z\ndata: {}\n\n");
        assertThat(r.ids).containsExactly(5L, 6L, 41L);
        assertThat(r.vectors).containsExactly("0.5.0", "1.5.0", "1.5.z");
    }

    @Test
    void aMalformedIdIsNoPosition() {
        Recorder r = new Recorder();
        r.feed("id: 1..2\ndata: {}\n\nid: 1.A\ndata: {}\n\nid:\ndata: {}\n\n");
        assertThat(r.ids).containsExactly(-1L, -1L, -1L);
        assertThat(r.vectors).containsExactly(null, null, null);
    }

    @Test
    void theVectorDoesNotOutliveItsEvent() {
        Recorder r = new Recorder();
        r.feed("id: 3.4\ndata: {}\n\ndata: {\"event\":\"connected\"}\n\n");
        assertThat(r.ids).containsExactly(7L, -1L);
        assertThat(r.vectors).containsExactly("3.4", null);
    }
}
