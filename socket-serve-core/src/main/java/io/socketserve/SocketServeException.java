package io.socketserve;

/**
 * A failure with a machine-readable code (the {@code error} field of the JSON body clients get).
 * Thrown by operations such as {@link Socket#join} (for example {@code room_limit}); a handler may
 * throw one to reject an event with that code (status 422 unless {@link #status()} says otherwise).
 */
public class SocketServeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final int status;

    public SocketServeException(String code, String message) {
        this(code, message, 422);
    }

    public SocketServeException(String code, String message, int status) {
        super(message);
        this.code = code;
        this.status = status;
    }

    public SocketServeException(String code, String message, int status, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.status = status;
    }

    /** The machine-readable code, e.g. {@code room_limit}. */
    public String code() {
        return code;
    }

    /** The HTTP status a client gets when this reaches it. */
    public int status() {
        return status;
    }
}
