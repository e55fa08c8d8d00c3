package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.get;

import io.socketserve.memory.InMemoryBackend;

/**
 * The log contract against an {@link InMemoryBackend} with four partitions (issue 15): the
 * single-partition methods act on partition 0, the partition-aware tests cover every partition.
 * {@code InMemoryBackendContractTest} runs the same contract with one partition.
 */
class PartitionedInMemoryLogContractTest extends PartContractSuite<InMemoryBackend>
        implements LogStoreContract<InMemoryBackend> {

    @Override
    protected InMemoryBackend newInstance() {
        return new InMemoryBackend(4);
    }

    @Override
    protected void start(InMemoryBackend instance, int maxLogEntries) {
        get(instance.start(maxLogEntries));
    }

    @Override
    protected void start(InMemoryBackend instance, LogRetention retention) {
        get(instance.start(retention));
    }

    @Override
    protected void close(InMemoryBackend instance) {
        instance.close();
    }

    @Override
    protected boolean instancesShareTheStore() {
        return false;
    }
}
