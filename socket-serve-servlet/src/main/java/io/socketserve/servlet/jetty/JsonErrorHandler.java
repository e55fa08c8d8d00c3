package io.socketserve.servlet.jetty;

import io.socketserve.servlet.internal.ContainerErrors;
import io.socketserve.transport.TransportResponse;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Jetty's error page as socket-serve's JSON: what Jetty answers itself — a request its HTTP parser
 * refuses (malformed request line or headers, headers over {@code
 * HttpConfiguration.requestHeaderSize}, broken chunked encoding, conflicting lengths, an
 * unsupported {@code Expect}), a path no servlet is mapped to — gets the {@code {"error","message"}}
 * body, codes and headers that {@code SocketServeServlet} and {@code EmbeddedServer} answer with
 * ({@code 400 bad_request}, {@code 404 not_found}, {@code 431 headers_too_large}, …) instead of an
 * HTML page, whatever the request's {@code Accept} header and method. A {@code 501} or {@code 505}
 * for a request no servlet saw becomes {@code 400 bad_request}, as the embedded server answers it.
 *
 * <p>Install it on the server (parser errors) and on the servlet context (unmapped paths, {@code
 * sendError} without an error page):
 *
 * <pre>{@code
 * server.setErrorHandler(new JsonErrorHandler());
 * servletContextHandler.setErrorHandler(new JsonErrorHandler());
 * }</pre>
 *
 * <p>Needs {@code jetty-server} 12 at run time; it is an optional dependency of this module.
 */
public class JsonErrorHandler extends ErrorHandler {

    /** {@value}: set by the servlet container when the error comes from a servlet. */
    private static final String SERVLET_NAME = "jakarta.servlet.error.servlet_name";

    /** Every method gets the JSON body (Jetty's default: only {@code GET}, {@code POST}, {@code HEAD}). */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(
            Request request,
            Response response,
            int code,
            @Nullable String message,
            @Nullable Throwable cause,
            Callback callback) {
        TransportResponse answer = ContainerErrors.answer(
                code, request.getHttpURI().getPath(), request.getAttribute(SERVLET_NAME) != null);
        response.setStatus(answer.status());
        HttpFields.Mutable headers = response.getHeaders();
        ContainerErrors.headers(answer).forEach(headers::put);
        headers.put("Content-Length", Integer.toString(answer.body().length));
        response.write(true, ByteBuffer.wrap(answer.body()), callback);
    }
}
