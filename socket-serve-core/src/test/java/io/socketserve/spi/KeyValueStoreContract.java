package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.race;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link KeyValueStore}: get, put, expiry and compare-and-set. It needs nothing but
 * the key/value part.
 *
 * @param <S> the type under test
 */
public interface KeyValueStoreContract<S extends KeyValueStore> extends PartContract<S> {

    @Test
    default void kvPutThenGet() {
        get(store().kvPut("k", "v", 0));
        assertThat(get(store().kvGet("k"))).isEqualTo("v");
    }

    @Test
    default void kvGetOfAnAbsentKeyIsNull() {
        assertThat(get(store().kvGet("absent"))).isNull();
    }

    @Test
    default void kvPutWithNullDeletes() {
        get(store().kvPut("k", "v", 0));
        get(store().kvPut("k", null, 0));
        assertThat(get(store().kvGet("k"))).isNull();
    }

    @Test
    default void kvIsSharedBetweenInstances() {
        get(store().kvPut("k", "v", 0));
        assertThat(get(otherInstance().kvGet("k"))).isEqualTo("v");
    }

    @Test
    default void kvPutWithTtlExpires() {
        get(store().kvPut("k", "v", 200));
        assertThat(get(store().kvGet("k"))).isEqualTo("v");
        await().atMost(Duration.ofSeconds(5)).until(() -> get(store().kvGet("k")) == null);
    }

    @Test
    default void kvPutWithoutTtlClearsAnEarlierTtl() {
        get(store().kvPut("k", "v", 200));
        get(store().kvPut("k", "w", 0));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> "w"
                .equals(get(store().kvGet("k"))));
    }

    @Test
    default void kvCompareAndSetWithNullExpectedSetsOnlyAnAbsentKey() {
        assertThat(get(store().kvCompareAndSet("k", null, "1", 0))).isTrue();
        assertThat(get(store().kvCompareAndSet("k", null, "2", 0))).isFalse();
        assertThat(get(store().kvGet("k"))).isEqualTo("1");
    }

    @Test
    default void kvCompareAndSetSetsWhenTheValueMatches() {
        get(store().kvPut("k", "1", 0));
        assertThat(get(store().kvCompareAndSet("k", "1", "2", 0))).isTrue();
        assertThat(get(store().kvGet("k"))).isEqualTo("2");
    }

    @Test
    default void kvCompareAndSetFailsWhenTheValueDiffers() {
        get(store().kvPut("k", "1", 0));
        assertThat(get(store().kvCompareAndSet("k", "0", "2", 0))).isFalse();
        assertThat(get(store().kvGet("k"))).isEqualTo("1");
    }

    @Test
    default void kvCompareAndSetWithNullUpdateDeletes() {
        get(store().kvPut("k", "1", 0));
        assertThat(get(store().kvCompareAndSet("k", "1", null, 0))).isTrue();
        assertThat(get(store().kvGet("k"))).isNull();
    }

    @Test
    default void kvCompareAndSetWithTtlExpires() {
        assertThat(get(store().kvCompareAndSet("lock", null, "me", 200))).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> get(store().kvGet("lock")) == null);
        assertThat(get(store().kvCompareAndSet("lock", null, "you", 0))).isTrue();
    }

    @Test
    default void concurrentKvCompareAndSetIncrementsLoseNoUpdate() throws Exception {
        get(store().kvPut("n", "0", 0));
        S other = otherInstanceOrSame();
        AtomicInteger turn = new AtomicInteger();
        race(8, () -> {
            S b = turn.getAndIncrement() % 2 == 0 ? store() : other;
            for (int i = 0; i < 25; i++) {
                while (true) {
                    String current = get(b.kvGet("n"));
                    String next = Integer.toString(Integer.parseInt(current) + 1);
                    if (get(b.kvCompareAndSet("n", current, next, 0))) {
                        break;
                    }
                }
            }
            return null;
        });
        assertThat(get(store().kvGet("n"))).isEqualTo("200");
    }
}
