package io.socketserve.spi;

import io.socketserve.memory.InMemoryBackend;

/**
 * The whole backend contract against an {@link InMemoryBackend} with four partitions (issue 15): the
 * reference for what a partitioned backend does. Every test of {@link BackendContractTest} holds at
 * any partition count; {@link InMemoryBackendContractTest} runs it with one.
 */
class InMemoryPartitionedBackendContractTest extends BackendContractTest {

    @Override
    protected Backend newBackend() {
        return new InMemoryBackend(4);
    }

    @Override
    protected boolean instancesShareTheStore() {
        return false;
    }
}
