package io.socketserve.spring.boot.internal;

import io.socketserve.SocketServer;
import io.socketserve.servlet.SocketServeServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import org.jspecify.annotations.Nullable;

/**
 * The {@link SocketServeServlet} as the starter registers it, with two additions:
 *
 * <ul>
 *   <li>the request's authenticated principal (Spring Security's, or the container's) is shown to
 *       connection middleware as the header {@link #PRINCIPAL_HEADER}; a value the client sends in
 *       that header is never seen;
 *   <li>{@link #drain()} ends every open stream (its client reconnects, to another instance behind a
 *       load balancer, and resumes from its last event id) and answers new streams {@code 503
 *       draining} from then on, so that the container's graceful shutdown is not held up by streams.
 * </ul>
 */
public final class SpringSocketServeServlet extends SocketServeServlet {

    private static final long serialVersionUID = 1L;

    /** The header carrying the principal's name to middleware; never taken from the client. */
    public static final String PRINCIPAL_HEADER = "X-Socket-Serve-Principal";

    private static final byte[] DRAINING = "{\"error\":\"draining\",\"message\":\"server is shutting down, reconnect\"}"
            .getBytes(StandardCharsets.UTF_8);

    private volatile boolean draining;

    public SpringSocketServeServlet(SocketServer server) {
        super(server);
    }

    /** Ends the open streams and refuses new ones. Idempotent. */
    public void drain() {
        draining = true;
        destroy();
    }

    public boolean isDraining() {
        return draining;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
        if (draining && req.getMethod().equals("GET") && fullPath(req).endsWith("/sse")) {
            res.setStatus(503);
            res.setHeader("Retry-After", "1");
            res.setHeader("Connection", "close");
            res.setContentType("application/json");
            res.setContentLength(DRAINING.length);
            res.getOutputStream().write(DRAINING);
            return;
        }
        super.service(new PrincipalRequest(req), res);
    }

    private static String fullPath(HttpServletRequest req) {
        String info = req.getPathInfo();
        return req.getServletPath() + (info == null ? "" : info);
    }

    /**
     * Replaces {@link #PRINCIPAL_HEADER} with the authenticated principal's name, read here on the
     * container thread: middleware runs on the handler executor, where Spring Security's thread-bound
     * context is not set.
     */
    private static final class PrincipalRequest extends HttpServletRequestWrapper {

        private final @Nullable String principal;

        PrincipalRequest(HttpServletRequest request) {
            super(request);
            Principal p = request.getUserPrincipal();
            this.principal = p == null ? null : p.getName();
        }

        private @Nullable String principal() {
            return principal;
        }

        @Override
        public @Nullable String getHeader(String name) {
            return PRINCIPAL_HEADER.equalsIgnoreCase(name) ? principal() : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            if (!PRINCIPAL_HEADER.equalsIgnoreCase(name)) {
                return super.getHeaders(name);
            }
            String p = principal();
            return p == null ? Collections.emptyEnumeration() : Collections.enumeration(java.util.List.of(p));
        }
    }
}
