package io.socketserve.internal;

import io.socketserve.ExceptionHandler;
import io.socketserve.HandlerFailure;
import io.socketserve.Socket;
import io.socketserve.SocketServeException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when application code throws: the failure is logged once at WARN with a short error
 * id (and the stack trace), and the server's {@link ExceptionHandler} decides the client's answer.
 */
final class HandlerFailures {

    private static final Logger log = LoggerFactory.getLogger(HandlerFailures.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private volatile ExceptionHandler handler = ExceptionHandler.DEFAULT;

    void use(ExceptionHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler == null");
    }

    /** Logs the failure and returns what the client gets (never {@code null}). */
    Answer answer(Socket socket, String event, Throwable error) {
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        String errorId = HexFormat.of().formatHex(id);
        log.warn("handler for '{}' failed (socket {}, error id {})", event, socket.id(), errorId, error);
        HandlerFailure failure = new HandlerFailure(socket, event, error, errorId);
        SocketServeException answer;
        try {
            answer = handler.handle(failure);
        } catch (RuntimeException e) {
            log.warn("the exception handler failed for error id {}", errorId, e);
            answer = null;
        }
        if (answer == null) {
            answer = ExceptionHandler.DEFAULT.handle(failure);
        }
        return new Answer(answer, errorId);
    }

    /** The client's answer and the failure's id. */
    record Answer(SocketServeException exception, String errorId) {}
}
