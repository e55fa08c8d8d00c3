package io.socketserve.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Counters per broadcast, their background rate subtracted. */
class PerBroadcastTest {

    @Test
    void subtractsTheBackgroundRateOverTheWindowAndDividesByTheBroadcasts() {
        // 1,000 broadcasts over 10 s; in the background a counter grows by 50 per second
        Map<String, Double> per = BroadcastWorkload.perBroadcast(
                Map.of("commands@0", 1_000L, "cpuMicros@0", 7L),
                Map.of("commands@0", 1_000L + 5_000 + 500, "cpuMicros@0", 7L + 120_000),
                Map.of("commands@0", 50 / 1e9),
                10e9,
                1_000);
        assertThat(per).containsEntry("commands@0", 5.0).containsEntry("cpuMicros@0", 120.0);
    }

    @Test
    void aCounterThatAppearedDuringTheStepCountsFromZero() {
        Map<String, Double> per = BroadcastWorkload.perBroadcast(Map.of(), Map.of("xread", 300L), Map.of(), 1e9, 100);
        assertThat(per).containsEntry("xread", 3.0);
    }
}
