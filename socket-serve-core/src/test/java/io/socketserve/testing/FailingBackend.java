package io.socketserve.testing;

import io.socketserve.spi.Backend;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Backend} that forwards every call to a real one, except that a method returning a stage
 * answers with a failed stage while {@code failure} returns an error for its name.
 *
 * <pre>{@code
 * Set<String> failing = ConcurrentHashMap.newKeySet();
 * Backend backend = FailingBackend.wrap(new InMemoryBackend(),
 *         method -> failing.contains(method) ? new ExpectedFailure(method + " refused") : null);
 * }</pre>
 */
public final class FailingBackend {

    private FailingBackend() {}

    public static Backend wrap(Backend real, Function<String, @Nullable Throwable> failure) {
        return (Backend) Proxy.newProxyInstance(
                Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    if (CompletionStage.class.isAssignableFrom(method.getReturnType())) {
                        Throwable error = failure.apply(method.getName());
                        if (error != null) {
                            return CompletableFuture.failedFuture(error);
                        }
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
