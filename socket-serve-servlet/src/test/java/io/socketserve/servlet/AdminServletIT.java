package io.socketserve.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.AdminOptions;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.servlet.tomcat.JsonErrorReportValve;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.startup.Tomcat;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The admin page served by {@link SocketServeServlet} in Tomcat 11 (mapped at {@code /admin} and
 * {@code /admin/*} next to the protocol): the same routes as on the embedded server ({@code AdminIT}
 * in socket-serve-netty covers them in depth); here, that the servlet hands them over intact.
 */
class AdminServletIT {

    private static final String PASSWORD = "servlet admin password";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private @Nullable SocketServer server;
    private @Nullable Tomcat tomcat;
    private int port;

    @AfterEach
    void stop() throws Exception {
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(@Nullable AdminOptions admin) throws Exception {
        server = SocketServer.create(ServerOptions.defaults());
        tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("tomcat").toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(0);
        Connector connector = tomcat.getConnector();
        connector.setProperty("address", "127.0.0.1");
        ((StandardHost) tomcat.getHost()).setErrorReportValveClass(JsonErrorReportValve.class.getName());
        Context ctx = tomcat.addContext("", null);
        ((StandardContext) ctx).setUnloadDelay(100);
        Wrapper w = Tomcat.addServlet(ctx, "socket-serve", new SocketServeServlet(server).admin(admin));
        w.setAsyncSupported(true);
        ctx.addServletMappingDecoded("/socket/*", "socket-serve");
        ctx.addServletMappingDecoded("/admin", "socket-serve");
        ctx.addServletMappingDecoded("/admin/*", "socket-serve");
        tomcat.start();
        port = connector.getLocalPort();
    }

    private HttpResponse<String> send(String method, String path, @Nullable String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> auth(String password) {
        return Map.of(
                "Authorization",
                "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8)),
                "Content-Type",
                "application/json");
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("error").asText();
    }

    @Test
    void withoutAdminOptionsAdminIs404() throws Exception {
        start(null);
        HttpResponse<String> r = send("GET", "/admin/", null, auth(PASSWORD));
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(error(r)).isEqualTo("not_found");
    }

    @Test
    void theCredentialIsRequiredAndThenThePageAndDataAreServed() throws Exception {
        start(AdminOptions.builder().password(PASSWORD).build());
        HttpResponse<String> none = send("GET", "/admin/api/overview", null, Map.of());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Basic realm="));
        assertThat(error(none)).isEqualTo("unauthorized");
        assertThat(send("GET", "/admin/", null, auth("wrong password")).statusCode())
                .isEqualTo(401);

        HttpResponse<String> page = send("GET", "/admin", null, auth(PASSWORD));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("/admin/admin.js");
        assertThat(send("GET", "/admin/socket-serve.js", null, auth(PASSWORD)).statusCode())
                .isEqualTo(200);
        JsonNode overview = JSON.readTree(
                send("GET", "/admin/api/overview", null, auth(PASSWORD)).body());
        assertThat(overview.path("instances").get(0).path("id").asText())
                .isEqualTo(server.stats().instance());
    }

    @Test
    void readOnlyAndBadInputAreRefusedWithJsonErrors() throws Exception {
        start(AdminOptions.builder().password(PASSWORD).build());
        HttpResponse<String> ro = send("POST", "/admin/api/disconnect", "{\"id\":\"x\"}", auth(PASSWORD));
        assertThat(ro.statusCode()).isEqualTo(403);
        assertThat(error(ro)).isEqualTo("read_only");
        stop();
        start(AdminOptions.builder().password(PASSWORD).readOnly(false).build());
        HttpResponse<String> bad = send("POST", "/admin/api/disconnect", "{oops", auth(PASSWORD));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(error(bad)).isEqualTo("invalid_json");
        HttpResponse<String> big = send("POST", "/admin/api/broadcast", "x".repeat(70_000), auth(PASSWORD));
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(error(big)).isEqualTo("payload_too_large");
    }

    @Test
    void disconnectFromTheAdminApiEndsTheClientsStream() throws Exception {
        start(AdminOptions.builder().password(PASSWORD).readOnly(false).build());
        TestClient c = new TestClient(URI.create("http://127.0.0.1:" + port + "/socket"));
        c.connect();
        c.openStream();
        HttpResponse<String> r = send("POST", "/admin/api/disconnect", "{\"id\":\"" + c.id() + "\"}", auth(PASSWORD));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        c.awaitEvent("__disconnect");
        assertThat(c.awaitStreamEnd(Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void aRoomsMembersShowTheirTransport() throws Exception {
        start(AdminOptions.builder()
                .password(PASSWORD)
                .publishInterval(Duration.ofMillis(500))
                .build());
        server.on("join", (socket, data, ack) -> {
            socket.join("lobby");
            ack.send(true);
        });
        TestClient c = new TestClient(URI.create("http://127.0.0.1:" + port + "/socket"));
        c.connect();
        c.openStream();
        assertThat(c.emitWithAck("join", Map.of(), true).response().status()).isEqualTo(200);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode room = JSON.readTree(send("GET", "/admin/api/room?name=lobby", null, auth(PASSWORD))
                    .body());
            assertThat(room.path("list").get(0).path("transport").asText()).isEqualTo("sse");
        });
        c.closeStream();
    }
}
