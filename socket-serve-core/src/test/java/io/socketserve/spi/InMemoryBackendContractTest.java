package io.socketserve.spi;

import io.socketserve.memory.InMemoryBackend;

/** The backend contract against {@link InMemoryBackend}. */
class InMemoryBackendContractTest extends BackendContractTest {

    @Override
    protected Backend newBackend() {
        return new InMemoryBackend();
    }

    @Override
    protected boolean instancesShareTheStore() {
        return false;
    }
}
