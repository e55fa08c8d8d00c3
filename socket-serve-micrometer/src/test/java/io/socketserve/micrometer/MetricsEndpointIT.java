package io.socketserve.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code socketserve.*} meters over real HTTP: traffic from real clients of the embedded server,
 * exact counter values and gauges read from the registry and from {@code GET /metrics}.
 */
class MetricsEndpointIT {

    private SocketServer server;
    private EmbeddedServer http;
    private PrometheusMeterRegistry registry;
    private final List<TestClient> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        server = SocketServer.create(ServerOptions.builder().build());
        server.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
        server.on("say", (socket, data, ack) -> socket.to(data.path("room").asText())
                .emit("said", data.path("text").asText()));
        server.on("track", (socket, data, ack) -> socket.track("lobby", data.asText(), null));
        server.on("boom", (socket, data, ack) -> {
            throw new IllegalStateException("boom on purpose");
        });
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new SocketServeMetrics(server, Tags.of("app", "metrics-it")).bindTo(registry);
        http = EmbeddedServer.builder(server).port(0).metrics(registry::scrape).start();
    }

    @AfterEach
    void stop() {
        clients.forEach(TestClient::close);
        http.close();
        server.close();
        registry.close();
    }

    private TestClient client() {
        TestClient c = new TestClient(
                URI.create("http://127.0.0.1:" + http.port() + server.options().basePath()));
        clients.add(c);
        return c;
    }

    private double counter(String name, String... tags) {
        FunctionCounter c = registry.find(name).tags(tags).functionCounter();
        assertThat(c).as("counter %s %s", name, List.of(tags)).isNotNull();
        return c.count();
    }

    private double gauge(String name, String... tags) {
        Gauge g = registry.find(name).tags(tags).gauge();
        assertThat(g).as("gauge %s %s", name, List.of(tags)).isNotNull();
        return g.value();
    }

    @Test
    void threeSessionsTwoInARoomOneMessageCountsTwoDeliveries() {
        TestClient a = client();
        TestClient b = client();
        TestClient c = client();
        for (TestClient x : List.of(a, b, c)) {
            assertThat(x.connect().status()).isEqualTo(200);
            x.openStream();
        }
        assertThat(counter("socketserve.connects")).isEqualTo(3);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> gauge("socketserve.sessions.active", "transport", "sse") == 3);
        assertThat(gauge("socketserve.streams.open")).isEqualTo(3);
        assertThat(gauge("socketserve.sessions.active", "transport", "polling")).isZero();

        assertThat(a.emit("join", Map.of("room", "a")).status()).isEqualTo(200);
        assertThat(b.emit("join", Map.of("room", "a")).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("socketserve.rooms.local") == 1);
        double deliveriesBefore = counter("socketserve.deliveries");
        double bytesBefore = counter("socketserve.deliveries.bytes");

        assertThat(c.emit("say", Map.of("room", "a", "text", "hi")).status()).isEqualTo(200);
        a.awaitEvent("said");
        b.awaitEvent("said");
        await().atMost(Duration.ofSeconds(5)).until(() -> counter("socketserve.deliveries") >= deliveriesBefore + 2);
        assertThat(counter("socketserve.deliveries")).isEqualTo(deliveriesBefore + 2);
        assertThat(counter("socketserve.deliveries.bytes")).isGreaterThan(bytesBefore);
        assertThat(counter("socketserve.emits")).isEqualTo(1);
        assertThat(counter("socketserve.events.received")).isEqualTo(3);
        assertThat(counter("socketserve.events.handled")).isEqualTo(3);
        assertThat(counter("socketserve.events.failed")).isZero();
        assertThat(registry.find("socketserve.handler.duration").functionTimer().count())
                .isEqualTo(3);
        assertThat(registry.find("socketserve.log.append.latency")
                        .functionTimer()
                        .count())
                .isEqualTo(1);
        c.assertExhausted();

        assertThat(c.emit("boom", 1).status()).isEqualTo(500);
        assertThat(counter("socketserve.events.failed")).isEqualTo(1);
        assertThat(c.emit("track", "user-1").status()).isEqualTo(200);
        assertThat(gauge("socketserve.presence.users")).isEqualTo(1);

        a.disconnect();
        b.disconnect();
        c.disconnect();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> gauge("socketserve.sessions.active", "transport", "sse") == 0
                        && gauge("socketserve.streams.open") == 0
                        && gauge("socketserve.rooms.local") == 0
                        && gauge("socketserve.presence.users") == 0);
        assertThat(counter("socketserve.disconnects", "reason", "client_disconnect"))
                .isEqualTo(3);
        assertThat(gauge("socketserve.sessions.active", "transport", "polling")).isZero();
        assertThat(gauge("socketserve.handlers.active")).isZero();
        assertThat(gauge("socketserve.log.reader.lag.entries")).isZero();
    }

    @Test
    void noMeterCarriesARoomSessionOrUserTag() {
        TestClient a = client();
        TestClient b = client();
        a.connect();
        b.connect();
        a.openStream();
        b.openStream();
        a.emit("join", Map.of("room", "secret-room"));
        b.emit("join", Map.of("room", "secret-room"));
        a.emit("track", "secret-user");
        a.emit("say", Map.of("room", "secret-room", "text", "x"));
        b.awaitEvent("said");

        Set<String> allowed = Set.of("backend", "transport", "reason", "app");
        List<Meter> meters = registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("socketserve."))
                .toList();
        assertThat(meters).hasSizeGreaterThan(25);
        for (Meter m : meters) {
            for (Tag tag : m.getId().getTags()) {
                assertThat(tag.getKey()).as("tag of %s", m.getId()).isIn(allowed);
                assertThat(tag.getValue())
                        .as("tag of %s", m.getId())
                        .doesNotContain("secret")
                        .doesNotContain(a.id())
                        .doesNotContain(a.credential());
            }
        }
        String text = registry.scrape();
        assertThat(text).doesNotContain("secret").doesNotContain(a.id());
    }

    @Test
    void metricsEndpointServesPrometheusText() {
        TestClient a = client();
        a.connect();
        a.openStream();
        a.emit("join", Map.of("room", "r"));
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("socketserve.rooms.local") == 1);

        HttpResult r = a.raw("GET", "/metrics", Map.of(), null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
        assertThat(r.text())
                .contains("socketserve_connects_total{app=\"metrics-it\",backend=\"memory\"} 1.0")
                .contains("socketserve_sessions_active{app=\"metrics-it\",backend=\"memory\",transport=\"sse\"} 1.0")
                .contains("socketserve_rooms_local{app=\"metrics-it\",backend=\"memory\"} 1.0")
                .contains("socketserve_deliveries_total")
                .contains("socketserve_handler_duration_seconds_count")
                .contains("socketserve_log_reader_lag_seconds");
        assertThat(a.raw("POST", "/metrics", Map.of(), new byte[0]).status()).isEqualTo(404);
    }

    @Test
    void withoutARegistryThereIsNoMetricsPath() {
        try (EmbeddedServer plain = EmbeddedServer.builder(server).port(0).start()) {
            TestClient c = new TestClient(URI.create("http://127.0.0.1:" + plain.port() + "/"));
            clients.add(c);
            HttpResult r = c.raw("GET", "/metrics", Map.of(), null);
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.json().path("error").asText()).isNotEmpty();
        }
    }

    /** The Prometheus names of the scrape: each sample's name up to its labels or value. */
    private Set<String> scrapedNames() {
        Set<String> names = new java.util.TreeSet<>();
        for (String line : registry.scrape().split("\n")) {
            if (line.startsWith("socketserve_")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private static Set<String> namesIn(java.nio.file.Path file) throws java.io.IOException {
        Set<String> names = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("socketserve_[a-z_]+[a-z]")
                .matcher(java.nio.file.Files.readString(file));
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    @Test
    void operationsGuideAndDashboardNameExactlyTheMetersThereAre() throws Exception {
        TestClient a = client();
        a.connect(); // every meter exists from the start; one connect is enough to read them
        Set<String> scraped = scrapedNames();
        Set<String> expanded = new java.util.TreeSet<>();
        for (String name : scraped) {
            // the guide writes a timer's two series as name_{count,sum}
            expanded.add(name.replaceAll("_(count|sum)$", ""));
        }
        java.nio.file.Path docs = java.nio.file.Path.of("..", "docs");
        Set<String> guide = namesIn(docs.resolve("operations.md"));
        guide.removeIf(n -> n.endsWith("_seconds_") || n.equals("socketserve_"));
        assertThat(expanded).as("meters missing from docs/operations.md").isSubsetOf(guide);
        Set<String> known = new java.util.TreeSet<>(scraped);
        known.addAll(expanded);
        assertThat(guide).as("names in docs/operations.md that no meter has").isSubsetOf(known);
        assertThat(namesIn(docs.resolve("grafana-dashboard.json")))
                .as("names in docs/grafana-dashboard.json that no meter has")
                .isSubsetOf(known);
    }
}
