package io.socketserve;

import java.time.Duration;

/** The client did not answer a server→client acknowledgement request in time. */
public final class AckTimeoutException extends SocketServeException {
    private static final long serialVersionUID = 1L;

    public AckTimeoutException(String event, Duration timeout) {
        super("ack_timeout", "no acknowledgement for '" + event + "' within " + timeout.toMillis() + " ms");
    }
}
