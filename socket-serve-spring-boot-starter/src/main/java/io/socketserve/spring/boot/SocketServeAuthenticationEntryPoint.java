package io.socketserve.spring.boot;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;

/**
 * Spring Security's answer to an unauthenticated request on the socket path: {@code 401} with the
 * protocol's JSON error {@code {"error":"unauthorized","message":"authentication required"}}, never a
 * redirect to a login page (which a socket client could not follow). Not registered automatically:
 * name it for the socket path in your {@code SecurityFilterChain}.
 *
 * <pre>{@code
 * http.exceptionHandling(e -> e.defaultAuthenticationEntryPointFor(
 *         new SocketServeAuthenticationEntryPoint(),
 *         PathPatternRequestMatcher.withDefaults().matcher("/socket/**")));
 * }</pre>
 */
public final class SocketServeAuthenticationEntryPoint implements AuthenticationEntryPoint {

    private static final byte[] BODY =
            "{\"error\":\"unauthorized\",\"message\":\"authentication required\"}".getBytes(StandardCharsets.UTF_8);

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setContentType("application/json");
        response.setContentLength(BODY.length);
        response.getOutputStream().write(BODY);
    }
}
