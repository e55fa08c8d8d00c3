package io.socketserve.servlet.tomcat;

import io.socketserve.servlet.internal.ContainerErrors;
import io.socketserve.transport.TransportResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.apache.tomcat.util.res.StringManager;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tomcat's error report as socket-serve's JSON: what Tomcat answers itself — a request its HTTP
 * parser refuses (malformed request line or headers, a request line or headers over {@code
 * maxHttpHeaderSize}, broken chunked encoding, conflicting lengths, an unsupported {@code Expect}),
 * a path no servlet is mapped to — gets the {@code {"error","message"}} body, codes and headers
 * that {@code SocketServeServlet} and {@code EmbeddedServer} answer with ({@code 400 bad_request},
 * {@code 404 not_found}, {@code 414 uri_too_long}, {@code 431 headers_too_large}, {@code 417
 * expectation_failed}, …) instead of an HTML page with Tomcat's version and a stack trace. Where
 * Tomcat's status differs from the embedded server's, the embedded server's is used: the {@code 400}
 * Tomcat sends for a request line or headers over {@code maxHttpHeaderSize} becomes {@code 414} or
 * {@code 431}, for more than {@code maxHeaderCount} headers {@code 431}; a {@code 501} or {@code 505} for a request no servlet saw (an unknown transfer coding,
 * another HTTP version) becomes {@code 400 bad_request} — bad input never gets a 5xx.
 *
 * <p>Install it as the host's error report valve, in place of Tomcat's own:
 *
 * <pre>{@code
 * // embedded
 * ((StandardHost) tomcat.getHost()).setErrorReportValveClass(JsonErrorReportValve.class.getName());
 * // server.xml (the class on Tomcat's common class path, e.g. lib/)
 * <Host name="localhost" errorReportValveClass="io.socketserve.servlet.tomcat.JsonErrorReportValve">
 * }</pre>
 *
 * <p>Error pages configured for a status or exception still win. Responses that already have a body
 * (everything {@code SocketServeServlet} answers) are left alone. Needs {@code tomcat-embed-core}
 * (or a Tomcat installation) at run time; it is an optional dependency of this module.
 */
public class JsonErrorReportValve extends ErrorReportValve {

    private static final Logger log = LoggerFactory.getLogger(JsonErrorReportValve.class);

    /**
     * What Tomcat's HTTP parser says (in the server's locale) when the request line or headers do
     * not fit {@code maxHttpHeaderSize}: it answers {@code 400}, the embedded server {@code 414} or
     * {@code 431}.
     */
    private static final TomcatMessage HEAD_TOO_LARGE =
            new TomcatMessage("org.apache.coyote.http11", "iib.requestheadertoolarge.error");

    /** ... and when there are more than {@code maxHeaderCount} headers: {@code 400}, where 431 fits. */
    private static final TomcatMessage TOO_MANY_HEADERS =
            new TomcatMessage("org.apache.tomcat.util.http", "headers.maxCountFail");

    @Override
    protected void report(Request request, Response response, @Nullable Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0) {
            return;
        }
        if (findErrorPage(status, throwable) != null) {
            super.report(request, response, throwable);
            return;
        }
        if (!response.setErrorReported()) {
            return; // reported already
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return; // the connection is gone: nobody to answer
        }
        String uri = request.getRequestURI();
        if (status == 400 && throwable != null) {
            if (HEAD_TOO_LARGE.matches(throwable)) {
                // No request target yet: it is the request line that did not fit.
                status = uri == null || uri.isEmpty() ? 414 : 431;
            } else if (TOO_MANY_HEADERS.matches(throwable)) {
                status = 431;
            }
        }
        TransportResponse answer = ContainerErrors.answer(status, uri, request.getWrapper() != null);
        try {
            response.setStatus(answer.status());
            ContainerErrors.headers(answer).forEach(response::setHeader);
            response.setContentLength(answer.body().length);
            PrintWriter writer = response.getReporter();
            if (writer != null) {
                writer.write(new String(answer.body(), StandardCharsets.UTF_8));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            if (log.isDebugEnabled()) {
                log.debug("error report not written: {}", e.toString());
            }
        }
    }

    /**
     * One of Tomcat's messages, as its {@link StringManager} renders it in this JVM's locale, to
     * recognise the exception that carries it (the parser's refusals have no types of their own).
     */
    private static final class TomcatMessage {
        private final String prefix;
        private final String suffix;

        TomcatMessage(String packageName, String key) {
            // A marker in place of the argument ({0}), if the message has one.
            String text = StringManager.getManager(packageName).getString(key, MARKER);
            int at = text.indexOf(MARKER);
            this.prefix = at < 0 ? text : text.substring(0, at);
            this.suffix = at < 0 ? "" : text.substring(at + MARKER.length());
        }

        private static final String MARKER = "\u0000";

        boolean matches(Throwable t) {
            String m = t.getMessage();
            return m != null
                    && !prefix.isEmpty()
                    && m.startsWith(prefix)
                    && m.endsWith(suffix)
                    && m.length() >= prefix.length() + suffix.length();
        }
    }
}
