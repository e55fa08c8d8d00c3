package io.socketserve.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.bench.driver.sse.SseDriver;
import io.socketserve.bench.server.InProcessServer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The generator against a real in-process server, at toy sizes (a few seconds in all). */
class WorkloadSmokeTest {

    private InProcessServer server;
    private SseDriver driver;

    @BeforeEach
    void start() {
        server = new InProcessServer();
        driver = new SseDriver(server.endpoints(), "/socket", 2, 1);
    }

    @AfterEach
    void stop() {
        driver.close();
        server.close();
    }

    @Test
    void fanOutDeliversEveryMessageOnceInOrder() throws Exception {
        List<StepResult> steps = new BroadcastWorkload(
                        new BroadcastWorkload.Config("fan-out", 1, 20, List.of(50), 1, 0, 2, 100, 10))
                .run(driver, server, null);
        StepResult s = steps.get(0);
        assertThat(s.subscribers()).isEqualTo(20);
        assertThat(s.published()).isEqualTo(50);
        assertThat(s.delivered()).isEqualTo(50 * 20);
        assertThat(s.lost()).isZero();
        assertThat(s.duplicates()).isZero();
        assertThat(s.outOfOrder()).isZero();
        assertThat(s.p50()).isPositive();
    }

    @Test
    void manyRoomsDeliverEachMessageToItsRoomOnly() throws Exception {
        List<StepResult> steps = new BroadcastWorkload(
                        new BroadcastWorkload.Config("many rooms", 5, 3, List.of(40), 1, 0, 2, 100, 10))
                .run(driver, server, null);
        StepResult s = steps.get(0);
        assertThat(s.delivered()).isEqualTo(40 * 3);
        assertThat(s.lost()).isZero();
        assertThat(s.stray()).isZero();
    }

    @Test
    void connectStormEstablishesEverySession() throws Exception {
        ConnectStorm.Result r = ConnectStorm.run(driver, server, 50, 10);
        assertThat(r.established()).isEqualTo(50);
        assertThat(r.failures()).isZero();
    }
}
