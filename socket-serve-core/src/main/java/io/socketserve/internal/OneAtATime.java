package io.socketserve.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Runs asynchronous steps one at a time, in the order they were submitted: a step starts when the
 * previous one's stage has completed (normally or not). For a check-then-act on a backend that
 * must not interleave on this instance, such as counting the sessions and creating one below
 * {@code maxSessions}.
 *
 * <pre>{@code
 * OneAtATime admissions = new OneAtATime();
 * admissions.run(() -> backend.sessionCount().thenCompose(n -> n < max ? create() : refuse()));
 * }</pre>
 *
 * <p>A step that completes at once (the in-memory backend) runs on the submitting thread; a later
 * step runs on the thread that completes the step before it.
 */
final class OneAtATime {

    private final Object lock = new Object();
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

    /** {@code step}, after every step submitted before it has completed; its outcome. */
    <T> CompletionStage<T> run(Supplier<? extends CompletionStage<T>> step) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<?> previous;
        synchronized (lock) {
            previous = tail;
            tail = result.handle((value, failure) -> null);
        }
        previous.whenComplete((ignored, ignoredFailure) -> {
            try {
                step.get().whenComplete((value, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                    } else {
                        result.complete(value);
                    }
                });
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
