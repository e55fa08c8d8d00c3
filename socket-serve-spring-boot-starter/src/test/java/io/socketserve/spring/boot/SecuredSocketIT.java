package io.socketserve.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Spring Security in front of the socket path: 401 JSON for anonymous, the principal in handlers. */
@SpringBootTest(
        classes = ChatTestApp.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"socketserve.path=/rt", "test.secured=true"})
class SecuredSocketIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ALICE =
            "Basic " + Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));

    @LocalServerPort
    int port;

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rt" + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anonymousConnectGets401JsonNotALoginRedirect() throws Exception {
        HttpResponse<String> r = post("/connect", "{}", "Accept", "text/html");

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(r.body()).contains("\"error\":\"unauthorized\"");
    }

    @Test
    void principalNameReachesTheHandler() throws Exception {
        HttpResponse<String> connect = post("/connect", "{}", "Authorization", ALICE);
        assertThat(connect.statusCode()).isEqualTo(200);
        String credential = connect.body().replaceAll(".*\"sessionId\":\"([^\"]+)\".*", "$1");

        HttpResponse<String> answer = post(
                "/message",
                "{\"event\":\"whoami\",\"data\":null,\"messageId\":\"m1\",\"requiresAck\":true,\"ackInResponse\":true}",
                "Authorization",
                ALICE,
                "X-Socket-Serve-Session",
                credential);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("alice");
    }
}
