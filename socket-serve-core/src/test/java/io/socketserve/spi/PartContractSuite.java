package io.socketserve.spi;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Runs part contracts: starts the instance of each test, and closes every instance and resource
 * the test used. Extend it and implement the contracts of the parts {@code S} has:
 *
 * <pre>{@code
 * class MyLogContractTest extends PartContractSuite<MyLog> implements LogStoreContract<MyLog> {
 *     protected MyLog newInstance() { return new MyLog(store); }
 *     protected void start(MyLog log, int maxLogEntries) { log.start(maxLogEntries); }
 *     protected void close(MyLog log) { log.close(); }
 * }
 * }</pre>
 *
 * <p>An implementation whose instances share a store (Redis) returns, for every call within one
 * test, an instance on the same store, so that two instances of one test behave like two instances
 * of one cluster; the tests about instances then run too. One without a shared store (in-memory)
 * overrides {@link #instancesShareTheStore()} to return {@code false}, and those tests are skipped.
 *
 * <p>Tests wait with Awaitility, never with sleeps; every stage is awaited with a timeout, so an
 * implementation that hangs fails instead of blocking the build.
 *
 * @param <S> the type under test
 */
public abstract class PartContractSuite<S> implements PartContract<S> {

    private final List<S> instances = new ArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private S store;

    /** A new, unstarted instance on the store of the current test. */
    protected abstract S newInstance();

    /** Starts an instance from {@link #newInstance()}; its log keeps at least {@code maxLogEntries}. */
    protected abstract void start(S instance, int maxLogEntries);

    /**
     * Starts an instance from {@link #newInstance()} with its log bounded by {@code retention}. The
     * default calls {@link #start(Object, int)} with the count only, so the tests of the byte and age
     * bounds fail until an implementation overrides it.
     */
    protected void start(S instance, LogRetention retention) {
        start(instance, retention.maxEntries());
    }

    /** Closes an instance. */
    protected abstract void close(S instance);

    /** Called after each test, once every instance of the test has been closed. */
    protected void cleanUp() throws Exception {}

    /** Whether two instances from {@link #newInstance()} within one test see the same state. */
    protected boolean instancesShareTheStore() {
        return true;
    }

    @BeforeEach
    final void startStore() {
        store = started(MAX_LOG_ENTRIES);
    }

    @AfterEach
    final void closeStores() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
        instances.forEach(this::close);
        cleanUp();
    }

    @Override
    public final S store() {
        return store;
    }

    @Override
    public final S started(int maxLogEntries) {
        S s = newInstance();
        instances.add(s);
        start(s, maxLogEntries);
        return s;
    }

    @Override
    public final S started(LogRetention retention) {
        S s = newInstance();
        instances.add(s);
        start(s, retention);
        return s;
    }

    @Override
    public final S otherInstance() {
        assumeTrue(instancesShareTheStore(), "instances of this backend do not share a store");
        return started(MAX_LOG_ENTRIES);
    }

    @Override
    public final S otherInstanceOrSame() {
        return instancesShareTheStore() ? otherInstance() : store;
    }

    @Override
    public final <T extends AutoCloseable> T closeAfterTest(T resource) {
        resources.add(resource);
        return resource;
    }
}
