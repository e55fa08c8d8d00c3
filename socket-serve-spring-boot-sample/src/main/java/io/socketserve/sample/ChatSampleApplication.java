package io.socketserve.sample;

import io.socketserve.spring.boot.SocketServerCustomizer;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The socket-serve Spring Boot sample: the demo's chat ({@link ChatComponent}) and its chat page
 * ({@code static/}), served by Spring on {@code server.port}, the socket endpoint at {@code /socket}.
 *
 * <pre>
 * mvn -q -pl socket-serve-spring-boot-sample -am spring-boot:run
 * mvn -q -pl socket-serve-spring-boot-sample -am spring-boot:run -Dspring-boot.run.arguments=--server.port=9090
 * SERVER_PORT=9090 SOCKETSERVE_REDIS_URL=redis://localhost:6379 mvn -q -pl socket-serve-spring-boot-sample -am spring-boot:run
 * </pre>
 *
 * <p>The backend is in-memory unless {@code SOCKETSERVE_REDIS_URL} is set: then it is Redis, so
 * that any number of instances serve the same rooms (see {@link #defaults}).
 */
@SpringBootApplication
public class ChatSampleApplication {

    /** Environment variable naming the Redis server; when set, {@code socketserve.backend=redis}. */
    public static final String REDIS_URL_ENV = "SOCKETSERVE_REDIS_URL";

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(ChatSampleApplication.class);
        app.setDefaultProperties(defaults(System.getenv()));
        app.run(args);
    }

    /**
     * The lowest-precedence properties: {@code socketserve.backend} is {@code redis} when {@value
     * #REDIS_URL_ENV} is set (non-empty), else {@code memory}. Anything else (application.properties,
     * {@code --socketserve.backend=…}, {@code SOCKETSERVE_BACKEND}) still wins.
     */
    static Map<String, Object> defaults(Map<String, String> env) {
        String url = env.get(REDIS_URL_ENV);
        return Map.of("socketserve.backend", url == null || url.isBlank() ? "memory" : "redis");
    }

    /** The chat page's display name: {@code connect('/socket', {auth: {name}})}. */
    @Bean
    SocketServerCustomizer displayNames() {
        return server -> server.use(handshake -> {
            String name = ChatComponent.cleanName(
                    handshake.auth().path(ChatComponent.NAME).asText(""));
            if (!name.isEmpty()) {
                handshake.attribute(ChatComponent.NAME, name);
            }
        });
    }
}
