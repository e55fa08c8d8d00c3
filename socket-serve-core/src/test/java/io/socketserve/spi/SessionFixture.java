package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.newId;
import static io.socketserve.spi.ContractSupport.record;

import java.util.Map;

/**
 * Helpers for the contracts of every part that acts on sessions: creating one. No tests of its own.
 *
 * @param <S> the type under test, a log and sessions at least
 */
public interface SessionFixture<S extends LogStore & SessionStore> extends LogFixture<S> {

    /** A new session of the root namespace that expires in a minute; its id. */
    default String createSession() {
        return createSession(System.currentTimeMillis() + 60_000);
    }

    /** A new session of the root namespace that expires at {@code expiresAt}; its id. */
    default String createSession(long expiresAt) {
        String id = newId();
        get(store().createSession(record(id), expiresAt));
        return id;
    }

    /** A new session of {@code namespace} that expires in a minute; its id. */
    default String createSessionIn(String namespace) {
        String id = newId();
        get(store().createSession(
                        new SessionRecord(
                                id, "hash-" + id, namespace, 1_700_000_000_000L, 0, 0, Map.of("user", "u-" + id)),
                        System.currentTimeMillis() + 60_000));
        return id;
    }
}
