package io.socketserve.transport;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A complete (non-streaming) HTTP response.
 *
 * @param headers extra headers (the transport adds content type and length)
 */
public record TransportResponse(int status, String contentType, byte[] body, Map<String, String> headers) {

    /** {@value}. */
    public static final String JSON = "application/json; charset=utf-8";

    public TransportResponse {
        headers = Map.copyOf(headers);
    }

    /** A JSON response. */
    public static TransportResponse json(int status, byte[] body) {
        return new TransportResponse(status, JSON, body, Map.of());
    }

    /** A JSON error {@code {"error":code,"message":message}}. */
    public static TransportResponse error(int status, String code, String message) {
        return new TransportResponse(status, JSON, errorBody(code, message), Map.of());
    }

    /**
     * A JSON error {@code {"error":code,"message":message,"errorId":errorId}}: the id is logged with
     * the failure, so that a report can be matched with the log.
     *
     * @since 0.2
     */
    public static TransportResponse error(int status, String code, String message, String errorId) {
        byte[] body = ("{\"error\":" + JsonStrings.quote(code) + ",\"message\":" + JsonStrings.quote(message)
                        + ",\"errorId\":" + JsonStrings.quote(errorId) + "}")
                .getBytes(StandardCharsets.UTF_8);
        return new TransportResponse(status, JSON, body, Map.of());
    }

    /** The same response with one more header. */
    public TransportResponse withHeader(String name, String value) {
        java.util.HashMap<String, String> h = new java.util.HashMap<>(headers);
        h.put(name, value);
        return new TransportResponse(status, contentType, body, h);
    }

    /** The JSON body of an error, with both strings escaped. */
    public static byte[] errorBody(String code, String message) {
        return ("{\"error\":" + JsonStrings.quote(code) + ",\"message\":" + JsonStrings.quote(message) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
