package io.socketserve.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.socketserve.netty.testing.TestClient;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** With Actuator (Micrometer) present, the starter's server has its meters in the application's registry. */
@SpringBootTest(
        classes = ChatTestApp.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"socketserve.path=/rt"})
class MetricsRegistrationIT {

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry registry;

    @Test
    void theServersMetersAreInTheApplicationsRegistry() {
        FunctionCounter connects = registry.find("socketserve.connects").functionCounter();
        assertThat(connects).isNotNull();
        double before = connects.count();
        try (TestClient client = new TestClient(URI.create("http://127.0.0.1:" + port + "/rt"))) {
            client.connect();
            client.openStream();
            assertThat(connects.count()).isEqualTo(before + 1);
            Gauge sse = registry.find("socketserve.sessions.active")
                    .tag("transport", "sse")
                    .gauge();
            assertThat(sse).isNotNull();
            await().atMost(Duration.ofSeconds(5)).until(() -> sse.value() == 1);
            client.disconnect();
            await().atMost(Duration.ofSeconds(5)).until(() -> sse.value() == 0);
        }
    }
}
