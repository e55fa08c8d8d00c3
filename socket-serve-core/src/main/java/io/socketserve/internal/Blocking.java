package io.socketserve.internal;

import io.socketserve.SocketServeException;
import io.socketserve.spi.BackendUnavailableException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for backend stages on behalf of the blocking API ({@code socket.join}, {@code rooms()}…),
 * mapping failures to {@link SocketServeException}s a handler can let through: {@code unavailable}
 * (503) when the backend is down or slower than {@link io.socketserve.ServerOptions#backendTimeout()}.
 * Client-facing messages never carry the backend's own text (addresses, commands); the cause keeps
 * it for the log.
 */
final class Blocking {

    private final Duration timeout;

    Blocking(Duration timeout) {
        this.timeout = timeout;
    }

    Duration timeout() {
        return timeout;
    }

    /** Waits up to the backend timeout. */
    <T> T get(CompletionStage<T> stage) {
        return await(stage, timeout);
    }

    static <T> T await(CompletionStage<T> stage, Duration timeout) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SocketServeException("interrupted", "interrupted while waiting for the backend", 503, e);
        } catch (TimeoutException e) {
            throw new SocketServeException(
                    "unavailable", "the backend did not answer within " + timeout.toMillis() + " ms", 503, e);
        } catch (ExecutionException | CompletionException | CancellationException e) {
            throw rethrowable(unwrap(e));
        }
    }

    /** What a failure of a backend stage becomes for the application. */
    static RuntimeException rethrowable(Throwable cause) {
        if (cause instanceof SocketServeException s) {
            return s;
        }
        if (cause instanceof BackendUnavailableException) {
            return new SocketServeException("unavailable", "the backend is unavailable", 503, cause);
        }
        if (cause instanceof RuntimeException r) {
            return r;
        }
        return new IllegalStateException(cause);
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static SocketServeException disconnected() {
        return new SocketServeException("disconnected", "the socket is disconnected", 410);
    }
}
