package io.socketserve.spi;

import java.time.Duration;

/**
 * What every backend part contract test gets from the class that runs it: the instance under test
 * and more instances on the same store. {@link PartContractSuite} implements it.
 *
 * <p>Each part's contract ({@link LogStoreContract}, {@link SessionStoreContract}, …) is a JUnit 5
 * test interface: its tests are default methods, and its type parameter {@code S} names the parts it
 * needs (the membership contract needs a log and sessions to join a room with, for example). A class
 * that extends {@link PartContractSuite} and implements one contract tests that part alone; {@link
 * BackendContractTest} implements them all.
 *
 * @param <S> the type under test: one part, or a type that has every part the contract needs
 */
public interface PartContract<S> {

    /** The {@code maxLogEntries} the instance of each test is started with. */
    int MAX_LOG_ENTRIES = 1_000;

    /** How long a single backend operation may take before the test fails. */
    Duration OPERATION_TIMEOUT = Duration.ofSeconds(10);

    /** The instance under test, started with {@link #MAX_LOG_ENTRIES}. */
    S store();

    /** A further instance on the same store (another "instance"), started; closed after the test. */
    S started(int maxLogEntries);

    /**
     * A further instance on the same store, started with its log bounded by {@code retention}
     * (count, bytes, age); closed after the test.
     */
    S started(LogRetention retention);

    /** Another started instance on the store of {@link #store()}; skips the test without a shared store. */
    S otherInstance();

    /** {@link #otherInstance()} when instances share the store, else {@link #store()} itself. */
    S otherInstanceOrSame();

    /** Closes {@code resource} after the test, before the instances. */
    <T extends AutoCloseable> T closeAfterTest(T resource);
}
