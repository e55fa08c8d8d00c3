package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.Backend;
import io.socketserve.spi.Partitions;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/**
 * A backend's partition count is checked when the server starts (issue 15): a count the engine does
 * not support, or a partitioned count from a backend that implements only the single-partition
 * methods, fails the start with a message that says so.
 */
class PartitionCountTest {

    /** A single-partition in-memory backend that claims {@code partitions}. */
    private static Backend claiming(int partitions) {
        InMemoryBackend real = new InMemoryBackend();
        return (Backend) Proxy.newProxyInstance(
                Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    if (method.getName().equals("partitions")) {
                        return partitions;
                    }
                    if (method.isDefault() && !method.getName().equals("start")) {
                        return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aBackendWithMorePartitionsThanTheEngineSupportsFailsTheStart() {
        assertThatThrownBy(() -> SocketServer.create(ServerOptions.builder()
                        .backend(claiming(Partitions.MAX + 1))
                        .build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("socket-serve cannot start its backend")
                .hasMessageContaining((Partitions.MAX + 1) + " partitions");
    }

    @Test
    void aPartitionedBackendWithoutThePartitionAwareMethodsFailsTheStart() {
        assertThatThrownBy(() -> SocketServer.create(
                        ServerOptions.builder().backend(claiming(4)).build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("socket-serve cannot start its backend")
                .hasMessageContaining("partition-aware");
    }

    @Test
    void anInMemoryBackendWithPartitionsStarts() {
        try (SocketServer server = SocketServer.create(
                ServerOptions.builder().backend(new InMemoryBackend(4)).build())) {
            assertThat(server.health().healthy()).isTrue();
        }
    }

    @Test
    void anInMemoryBackendRejectsAPartitionCountOutOfRange() {
        assertThatThrownBy(() -> new InMemoryBackend(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InMemoryBackend(Partitions.MAX + 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
