package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.get;

import io.socketserve.memory.InMemoryBackend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/**
 * Each part's contract on its own, the way a backend written part by part runs it: against an object
 * that is the part (and the parts its contract names) and nothing else. Here that object is a proxy
 * over an {@link InMemoryBackend} that implements only those interfaces, so a contract that reached
 * for anything else would fail. {@link InMemoryBackendContractTest} runs the same tests composed.
 */
class PartByPartContractTest {

    /** The parts the sessions contract needs. */
    interface SessionParts extends LogStore, SessionStore {}

    /** The parts the membership contract needs. */
    interface MembershipParts extends LogStore, SessionStore, MembershipStore {}

    /** The parts the presence contract needs. */
    interface PresenceParts extends LogStore, SessionStore, PresenceStore {}

    /** The parts the event ledger contract needs. */
    interface EventParts extends LogStore, SessionStore, EventLedger {}

    @Nested
    class Events extends OverInMemory<EventParts> implements EventLedgerContract<EventParts> {
        Events() {
            super(EventParts.class);
        }
    }

    /** The parts the batched operations contract needs. */
    interface BatchParts extends LogStore, BatchOperations {}

    @Nested
    class Log extends OverInMemory<LogStore> implements LogStoreContract<LogStore> {
        Log() {
            super(LogStore.class);
        }
    }

    @Nested
    class Sessions extends OverInMemory<SessionParts> implements SessionStoreContract<SessionParts> {
        Sessions() {
            super(SessionParts.class);
        }
    }

    @Nested
    class Membership extends OverInMemory<MembershipParts> implements MembershipStoreContract<MembershipParts> {
        Membership() {
            super(MembershipParts.class);
        }
    }

    @Nested
    class Presence extends OverInMemory<PresenceParts> implements PresenceStoreContract<PresenceParts> {
        Presence() {
            super(PresenceParts.class);
        }
    }

    @Nested
    class KeyValues extends OverInMemory<KeyValueStore> implements KeyValueStoreContract<KeyValueStore> {
        KeyValues() {
            super(KeyValueStore.class);
        }
    }

    @Nested
    class RateLimits extends OverInMemory<RateLimitStore> implements RateLimitStoreContract<RateLimitStore> {
        RateLimits() {
            super(RateLimitStore.class);
        }
    }

    @Nested
    class Batches extends OverInMemory<BatchParts> implements BatchOperationsContract<BatchParts> {
        Batches() {
            super(BatchParts.class);
        }
    }

    /** Runs a contract against proxies that expose only {@code S} of an in-memory backend each. */
    abstract static class OverInMemory<S> extends PartContractSuite<S> {
        private final Class<S> parts;
        private final Map<S, InMemoryBackend> backends = new IdentityHashMap<>();

        OverInMemory(Class<S> parts) {
            this.parts = parts;
        }

        @Override
        protected S newInstance() {
            InMemoryBackend backend = new InMemoryBackend();
            InvocationHandler handler = (proxy, method, args) -> {
                try {
                    return method.invoke(backend, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            };
            S only = parts.cast(Proxy.newProxyInstance(parts.getClassLoader(), new Class<?>[] {parts}, handler));
            backends.put(only, backend);
            return only;
        }

        @Override
        protected void start(S instance, int maxLogEntries) {
            get(backends.get(instance).start(maxLogEntries));
        }

        @Override
        protected void start(S instance, LogRetention retention) {
            get(backends.get(instance).start(retention));
        }

        @Override
        protected void close(S instance) {
            backends.get(instance).close();
        }

        @Override
        protected boolean instancesShareTheStore() {
            return false;
        }
    }
}
