package io.socketserve.spi;

import io.socketserve.memory.InMemoryBackend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * The backend contract against a backend that does not override {@link Backend#readBefore}: the
 * interface's default (a forward walk with {@link Backend#read}) must keep the contract too. The
 * backend is an {@link InMemoryBackend} behind a proxy that calls the default method for {@code
 * readBefore} and the in-memory one for everything else.
 */
class DefaultReadBeforeContractTest extends BackendContractTest {

    @Override
    protected Backend newBackend() {
        Backend memory = new InMemoryBackend();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("readBefore")) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            try {
                return method.invoke(memory, args);
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
}
