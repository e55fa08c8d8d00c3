package io.socketserve.spi;

import io.socketserve.memory.InMemoryBackend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * The backend contract against a backend that implements only the methods of 0.1 and inherits the
 * batched operations' default implementations: a third-party backend written before them keeps
 * passing the suite. It is the in-memory backend behind a proxy that hides its overrides of the
 * default methods.
 */
class DefaultBatchOperationsContractTest extends BackendContractTest {

    @Override
    protected Backend newBackend() {
        InMemoryBackend delegate = new InMemoryBackend();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.isDefault()
                    && !method.getName().equals("tryAcquire")
                    && !method.getName().equals("start")) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Backend)
                Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, handler);
    }

    @Override
    protected boolean instancesShareTheStore() {
        return false;
    }

    @Override
    public boolean batchesAppendOneEntry() {
        return false;
    }
}
