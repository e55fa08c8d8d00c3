package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.spi.SessionRecord;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionCacheTest {

    private static SessionRecord record(String id) {
        return new SessionRecord(id, "hash-" + id, "/", 1L, 5, 5, Map.of());
    }

    private final SessionCache cache = new SessionCache(Duration.ofSeconds(60), 100);

    @Test
    void keepsWhatWasPutForAQuarterOfTheSessionTimeoutAtMost15Seconds() {
        assertThat(cache.timeToLive()).isEqualTo(Duration.ofSeconds(15));
        assertThat(new SessionCache(Duration.ofSeconds(8), 10).timeToLive()).isEqualTo(Duration.ofSeconds(2));
        cache.put(record("a"), cache.epoch("a"));
        assertThat(cache.get("a")).isEqualTo(record("a"));
        assertThat(cache.get("b")).isNull();
    }

    @Test
    void anInvalidatedSessionIsForgotten() {
        cache.put(record("a"), cache.epoch("a"));
        cache.invalidate("a");
        assertThat(cache.get("a")).isNull();
    }

    @Test
    void aLookupThatStartedBeforeARemovalDoesNotPutTheRecordBack() {
        long before = cache.epoch("a");
        cache.invalidate("a"); // the session was removed while its lookup was in flight
        cache.put(record("a"), before);
        assertThat(cache.get("a")).isNull();
        cache.put(record("a"), cache.epoch("a")); // a lookup started afterwards
        assertThat(cache.get("a")).isNotNull();
    }

    @Test
    void clearForgetsEverythingAndEveryLookupInFlight() {
        long before = cache.epoch("b");
        cache.put(record("a"), cache.epoch("a"));
        cache.clear();
        assertThat(cache.get("a")).isNull();
        cache.put(record("b"), before);
        assertThat(cache.get("b")).isNull();
        assertThat(cache.size()).isZero();
    }

    @Test
    void staysWithinItsBound() {
        for (int i = 0; i < 1_000; i++) {
            String id = "s" + i;
            cache.put(record(id), cache.epoch(id));
            assertThat(cache.size()).isLessThanOrEqualTo(100);
        }
        assertThat(cache.get("s999")).isNotNull(); // the newest is kept
    }

    @Test
    void entriesExpire() {
        SessionCache shortLived = new SessionCache(Duration.ofMillis(200), 10); // 50 ms
        shortLived.put(record("a"), shortLived.epoch("a"));
        assertThat(shortLived.get("a")).isNotNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> shortLived.get("a") == null);
        assertThat(shortLived.size()).isZero();
    }
}
