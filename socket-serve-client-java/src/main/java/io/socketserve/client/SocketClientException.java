package io.socketserve.client;

/**
 * A failure with a machine-readable {@link #code()}: the server's {@code error} field when there is
 * one ({@code "rate_limited"}, {@code "forbidden"}, …), or the client's own ({@code "queue_full"},
 * {@code "ack_timeout"}, {@code "disconnected"}, {@code "session_lost"}, {@code "network_error"}).
 */
public class SocketClientException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String code;
    private final int status;
    /** The server's {@code Retry-After} in ms, or -1. */
    transient long retryAfterMillis = -1;

    /**
     * @param code the error code
     * @param message human-readable description
     * @param status the HTTP status, 0 when none
     */
    public SocketClientException(String code, String message, int status) {
        super(message);
        this.code = code;
        this.status = status;
    }

    /** The error code. */
    public String code() {
        return code;
    }

    /** The HTTP status of the answer that caused it, 0 when there was none. */
    public int status() {
        return status;
    }
}
