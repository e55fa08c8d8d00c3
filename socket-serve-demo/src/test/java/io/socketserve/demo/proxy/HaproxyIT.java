package io.socketserve.demo.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.netty.testing.TestClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Debian's HAProxy, configured with the block of {@code docs/deploy.md}, in front of two demo
 * instances on one Redis: the same scenarios as {@link NginxIT}, and the guide's health check.
 * Without {@code /usr/sbin/haproxy} it fails and says to run {@code ./test.sh}.
 */
class HaproxyIT extends ReverseProxyContract {

    @Override
    ProxyProcess startProxy(List<Integer> instancePorts, Map<String, String> changes) {
        return HaproxyProxy.start(instancePorts, changes);
    }

    @Override
    Map<String, String> readTimeout(String value) {
        return Map.of("timeout client 75s", "timeout client " + value, "timeout server 75s", "timeout server " + value);
    }

    @Test
    void theHealthCheckTakesAStoppedInstanceOutAndBringsItBackWhenItAnswers() {
        instances().shutdownGracefully(0, Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(15)).until(() -> proxy().logs().contains("socketserve/app1 is DOWN"));

        instances().restart(0);
        await().atMost(Duration.ofSeconds(15))
                .until(() -> proxy().logs().contains("socketserve/app1 is UP, reason: Layer7 check passed, code: 200"));
        TestClient c = client();
        c.connect();
        int before = instances().eventsHandled(0);
        for (int i = 0; i < 4; i++) {
            ok(c.emit("echo", null));
        }
        assertThat(instances().eventsHandled(0))
                .as("round robin includes it again")
                .isGreaterThan(before);
    }
}
