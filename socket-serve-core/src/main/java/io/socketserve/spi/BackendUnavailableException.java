package io.socketserve.spi;

/**
 * The backend cannot reach its store. The engine answers requests that need it with {@code 503
 * unavailable}; open streams stay open.
 */
public class BackendUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public BackendUnavailableException(String message) {
        super(message);
    }
}
