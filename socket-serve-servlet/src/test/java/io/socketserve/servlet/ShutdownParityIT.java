package io.socketserve.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TransportFixture;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stopping the transport (issue 13, finding 8): the embedded server's {@code close()}, Tomcat and
 * Jetty stopping the context ({@code SocketServeServlet.destroy()}). An open stream gets the final
 * {@code __reconnect} frame before it ends, and a waiting long-poll is answered with it.
 */
class ShutdownParityIT {

    static Stream<TransportFixture> transports() {
        return Stream.of(TransportFixture.NETTY, new TomcatFixture(), new JettyFixture());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void stoppingTheTransportSendsTheFinalFrame(TransportFixture transport) throws Exception {
        SocketServer server = SocketServer.create(
                ServerOptions.builder().allowedOrigins(List.of("*")).build());
        try {
            TransportFixture.Running running = transport.start(server);
            URI base = URI.create(
                    "http://127.0.0.1:" + running.port() + server.options().basePath());
            TestClient streaming = new TestClient(base);
            streaming.connect();
            streaming.openStream();
            TestClient polling = new TestClient(base);
            polling.connect();
            long after = polling.poll().position();
            CompletableFuture<TestClient.PollResult> waiting =
                    CompletableFuture.supplyAsync(() -> polling.poll(after, 20_000), runnable -> {
                        Thread t = new Thread(runnable, "long-poll");
                        t.setDaemon(true);
                        t.start();
                    });
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !waiting.isDone());

            long started = System.nanoTime();
            running.close();
            System.out.printf(
                    "%s: transport stopped in %d ms%n",
                    transport.name(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

            assertThat(streaming.awaitStreamEnd(Duration.ofSeconds(10))).isTrue();
            List<ReceivedFrame> frames = streaming.frames().snapshot();
            assertThat(frames).isNotEmpty();
            ReceivedFrame last = frames.get(frames.size() - 1);
            assertThat(last.event()).as("the last frame of %s", frames).isEqualTo("__reconnect");
            assertThat(last.json().path("data").path("reason").asText()).isEqualTo("server shutting down");
            TestClient.PollResult polled = waiting.get(10, TimeUnit.SECONDS);
            assertThat(polled.http().status()).isEqualTo(200);
            assertThat(polled.events()).containsExactly("__reconnect");
        } finally {
            server.close();
        }
    }
}
