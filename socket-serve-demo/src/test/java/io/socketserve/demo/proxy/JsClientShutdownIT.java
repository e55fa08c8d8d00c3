package io.socketserve.demo.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Our JavaScript client across a graceful shutdown (issue 13, finding 8): two demo instances on one
 * Redis, a load balancer in the Node.js test ({@code socket-serve-client-js/test/shutdown.test.js})
 * that sends each new connection to the first instance that accepts it. Instance 0 drains itself
 * when asked ({@code drainThisInstance}); the client's stream gets {@code __reconnect}, the client
 * reconnects at once, through the balancer, to instance 1, and no message is lost or repeated.
 */
class JsClientShutdownIT {

    private static final Path CLIENT_DIR =
            Path.of("..", "socket-serve-client-js").toAbsolutePath().normalize();

    private DemoInstances instances;

    @AfterEach
    void stop() {
        if (instances != null) {
            instances.close();
        }
    }

    @Test
    @Timeout(120)
    void clientReconnectsAtOnceToTheOtherInstanceAndLosesNothing() throws Exception {
        if (!Files.isDirectory(CLIENT_DIR.resolve("node_modules/eventsource"))) {
            Process install = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
                    .directory(CLIENT_DIR.toFile())
                    .inheritIO()
                    .start();
            assertThat(install.waitFor(300, TimeUnit.SECONDS)).isTrue();
            assertThat(install.exitValue()).isZero();
        }
        AtomicReference<DemoInstances> self = new AtomicReference<>();
        instances = new DemoInstances(
                2,
                (server, i) -> server.on("drainThisInstance", (socket, data, ack) -> {
                    Thread t = new Thread(() -> self.get().shutdownGracefully(i, Duration.ofSeconds(5)), "drain-" + i);
                    t.setDaemon(true);
                    t.start();
                    ack.send("draining");
                }));
        self.set(instances);
        List<Integer> ports = instances.ports();

        ProcessBuilder pb = new ProcessBuilder("node", "--test", "--test-reporter=tap", "test/shutdown.test.js")
                .directory(CLIENT_DIR.toFile())
                .redirectErrorStream(true);
        pb.environment()
                .put(
                        "SOCKET_SERVE_UPSTREAMS",
                        "http://127.0.0.1:" + ports.get(0) + ",http://127.0.0.1:" + ports.get(1));
        Path log = Files.createTempFile("js-shutdown", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        boolean done = p.waitFor(90, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(out);
        assertThat(done).as("node finished:%n%s", out).isTrue();
        assertThat(p.exitValue()).as("node --test output:%n%s", out).isZero();
        assertThat(out).contains("# fail 0").doesNotContain("# pass 0");
    }
}
