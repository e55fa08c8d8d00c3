package io.socketserve.spring.boot;

import io.socketserve.Ack;
import io.socketserve.OnConnect;
import io.socketserve.OnEvent;
import io.socketserve.Socket;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.stereotype.Component;

/**
 * A Spring Boot application with one annotated handler component; Spring Security guards the socket
 * path (HTTP Basic, form login elsewhere) when {@code test.secured=true}, else permits everything.
 */
@SpringBootApplication
public class ChatTestApp {

    @Bean
    SecurityFilterChain security(HttpSecurity http, @Value("${test.secured:false}") boolean secured) throws Exception {
        String socket = "/rt/**";
        http.csrf(c -> c.ignoringRequestMatchers(
                        PathPatternRequestMatcher.withDefaults().matcher(socket)))
                .authorizeHttpRequests(a -> {
                    if (secured) {
                        a.requestMatchers(
                                        PathPatternRequestMatcher.withDefaults().matcher(socket))
                                .authenticated();
                    }
                    a.anyRequest().permitAll();
                })
                .exceptionHandling(e -> e.defaultAuthenticationEntryPointFor(
                        new SocketServeAuthenticationEntryPoint(),
                        PathPatternRequestMatcher.withDefaults().matcher(socket)))
                .httpBasic(Customizer.withDefaults())
                .formLogin(Customizer.withDefaults());
        return http.build();
    }

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(User.withUsername("alice")
                .password("{noop}secret")
                .roles("USER")
                .build());
    }

    public record Say(String room, String text) {}

    /** Validated by Bean Validation (spring-boot-starter-validation is on the test class path). */
    public record Register(
            @jakarta.validation.constraints.NotBlank String name, @jakarta.validation.constraints.Min(13) int age) {}

    @Component
    public static class ChatHandler {

        @OnConnect
        void connected(Socket socket) {
            socket.join("lobby");
        }

        @OnEvent("say")
        void say(Socket socket, Say message) {
            socket.to(message.room()).emit("said", message.text());
        }

        @OnEvent("whoami")
        String whoami(Socket socket) {
            String principal = socket.attributes().get(SocketServeAutoConfiguration.PRINCIPAL_ATTRIBUTE);
            return principal == null ? "anonymous" : principal;
        }

        @OnEvent("register")
        String register(Register registration) {
            return "welcome " + registration.name();
        }

        @OnEvent("echo")
        void echo(Say message, Ack ack) {
            ack.send(message.text());
        }
    }
}
