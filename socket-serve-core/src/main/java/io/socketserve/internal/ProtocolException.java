package io.socketserve.internal;

import io.socketserve.transport.TransportResponse;

/** A request that gets a 4xx/503 with a JSON error body; carries no stack trace (it is not a bug). */
class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    ProtocolException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    TransportResponse toResponse() {
        TransportResponse r = TransportResponse.error(status, code, getMessage());
        return status == 503 ? r.withHeader("Retry-After", "1") : r;
    }

    static ProtocolException badRequest(String code, String message) {
        return new ProtocolException(400, code, message);
    }
}
