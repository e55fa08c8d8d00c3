package io.socketserve.internal;

import io.socketserve.Ack;
import io.socketserve.DisconnectReason;
import io.socketserve.Socket;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * One checked, annotated method of a listener object, bound to that object: builds the argument
 * array from what the call provides and turns the returned value into an ack answer. Made by {@link
 * AnnotatedListeners}, which has already checked the signature, so nothing here can fail except the
 * method itself.
 */
final class ListenerMethod {

    /** What goes into each parameter. */
    enum Arg {
        SOCKET,
        ACK,
        PAYLOAD,
        REASON
    }

    /** What the method returns. */
    enum Returns {
        /** {@code void}: nothing to answer. */
        NOTHING,
        /** A value that answers the ack. */
        VALUE,
        /** A {@link CompletionStage} whose value answers the ack, awaited on the handler thread. */
        STAGE
    }

    private final MethodHandle handle;
    private final List<Arg> args;
    private final Returns returns;

    /**
     * @param handle bound to the listener, of type {@code (Object[])Object}
     */
    ListenerMethod(MethodHandle handle, List<Arg> args, Returns returns) {
        this.handle = handle;
        this.args = List.copyOf(args);
        this.returns = returns;
    }

    /** As an event handler: calls the method, then answers the ack with what it returned, if anything. */
    void onEvent(Socket socket, @Nullable Object payload, Ack ack) throws Exception {
        Object result = invoke(socket, payload, ack, null);
        if (returns != Returns.NOTHING) {
            ack.send(result); // a no-op when the client asked for no acknowledgement
        }
    }

    /**
     * Calls the method with the arguments it declared; the exception it throws is rethrown as is (a
     * method handle does not wrap it as {@code Method.invoke} would).
     */
    @Nullable
    Object invoke(
            @Nullable Socket socket, @Nullable Object payload, @Nullable Ack ack, @Nullable DisconnectReason reason)
            throws Exception {
        @Nullable Object[] values = new Object[args.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (args.get(i)) {
                case SOCKET -> socket;
                case ACK -> ack;
                case PAYLOAD -> payload;
                case REASON -> reason;
            };
        }
        Object result;
        try {
            result = (Object) handle.invokeExact(values);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) { // a Throwable that is neither: only possible from other JVM languages
            throw new UndeclaredThrowableException(t);
        }
        if (returns == Returns.STAGE && result != null) {
            return await((CompletionStage<?>) result);
        }
        return result;
    }

    /** The stage's value, or its failure rethrown as the handler's. */
    private static @Nullable Object await(CompletionStage<?> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof Exception x) {
                throw x;
            }
            if (cause instanceof Error x) {
                throw x;
            }
            throw e;
        }
    }
}
