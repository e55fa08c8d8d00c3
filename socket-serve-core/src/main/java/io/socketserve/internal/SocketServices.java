package io.socketserve.internal;

import io.socketserve.spi.Backend;
import java.util.concurrent.CompletionStage;

/**
 * The parts a {@link SocketImpl}, a {@link BroadcastOperatorImpl} or a {@link NamespaceImpl} acts
 * through — a parameter object of narrow collaborators, each with one job, built once by {@link
 * DefaultSocketServer}. Nothing here refers back to the server.
 */
final class SocketServices {

    final Backend backend;
    final Json json;
    final Blocking blocking;
    final RoomKeys roomKeys;
    final Namespaces namespaces;
    final Publisher publisher;
    final Membership membership;
    final Presence presence;
    final AckRegistry acks;
    final Sessions sessions;
    final History history;
    /** Where async results are handed to the application (the handler executor). */
    final java.util.concurrent.Executor callbacks;
    /** The most sockets one selection acts on ({@link io.socketserve.ServerOptions#maxSessions()}). */
    final int maxSelection;
    /** Checks bound payloads of typed handlers. */
    final io.socketserve.PayloadValidator payloadValidator;

    SocketServices(
            Backend backend,
            Json json,
            Blocking blocking,
            RoomKeys roomKeys,
            Namespaces namespaces,
            Publisher publisher,
            Membership membership,
            Presence presence,
            AckRegistry acks,
            History history,
            KeyedSerialExecutor perSession,
            java.util.concurrent.Executor callbacks,
            int maxSelection,
            io.socketserve.PayloadValidator payloadValidator,
            SessionCache sessionCache,
            EngineStats stats) {
        this.backend = backend;
        this.json = json;
        this.blocking = blocking;
        this.roomKeys = roomKeys;
        this.namespaces = namespaces;
        this.publisher = publisher;
        this.membership = membership;
        this.presence = presence;
        this.acks = acks;
        this.history = history;
        this.callbacks = callbacks;
        this.maxSelection = maxSelection;
        this.payloadValidator = payloadValidator;
        // The disconnect listeners see a socket that can still broadcast (its "user left" message):
        // built from these same services once they exist.
        this.sessions = new Sessions(
                backend,
                presence,
                namespaces,
                perSession,
                removed -> SocketImpl.ended(this, removed),
                sessionCache,
                stats);
    }

    /**
     * {@code stage}'s outcome, completed on the handler executor: application callbacks chained on an
     * async result never run on a backend (Lettuce) or dispatcher thread.
     */
    <T> CompletionStage<T> onHandlers(CompletionStage<T> stage) {
        java.util.concurrent.CompletableFuture<T> out = new java.util.concurrent.CompletableFuture<>();
        stage.whenComplete((value, error) -> {
            try {
                callbacks.execute(() -> {
                    if (error != null) {
                        out.completeExceptionally(Blocking.rethrowable(Blocking.unwrap(error)));
                    } else {
                        out.complete(value);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                out.completeExceptionally(stopped);
            }
        });
        return out;
    }
}
