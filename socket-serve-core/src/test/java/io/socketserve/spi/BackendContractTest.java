package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.bytes;
import static io.socketserve.spi.ContractSupport.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Backend} implementation passes: the contract of each of its parts, plus
 * the few tests that span parts or need the lifecycle. Extend it, return a new, unstarted backend
 * from {@link #newBackend()} and release what the test used in {@link #cleanUp()}.
 *
 * <pre>{@code
 * class MyBackendContractTest extends BackendContractTest {
 *     protected Backend newBackend() { return new MyBackend(store); }
 * }
 * }</pre>
 *
 * <p>A backend whose instances share a store (Redis) returns, for every call within one test, a
 * backend on the same store, so that two backends of one test behave like two instances of one
 * cluster; the tests about instances then run too. A backend without a shared store (in-memory)
 * overrides {@link #instancesShareTheStore()} to return {@code false}, and those tests are skipped.
 *
 * <p>The tests live in one JUnit 5 test interface per part ({@link LogStoreContract}, {@link
 * SessionStoreContract}, {@link MembershipStoreContract}, {@link PresenceStoreContract}, {@link
 * KeyValueStoreContract}, {@link RateLimitStoreContract}, {@link BatchOperationsContract}, {@link EventLedgerContract}), so that a
 * backend written part by part can run each part's contract alone with a {@link PartContractSuite};
 * this class runs them all, in one suite per backend. Each test checks one behaviour documented on
 * the part, and is named after it.
 */
public abstract class BackendContractTest extends PartContractSuite<Backend>
        implements LogStoreContract<Backend>,
                SessionStoreContract<Backend>,
                MembershipStoreContract<Backend>,
                PresenceStoreContract<Backend>,
                KeyValueStoreContract<Backend>,
                RateLimitStoreContract<Backend>,
                BatchOperationsContract<Backend>,
                EventLedgerContract<Backend> {

    /** A new, unstarted backend on the store of the current test. */
    protected abstract Backend newBackend();

    @Override
    protected final Backend newInstance() {
        return newBackend();
    }

    @Override
    protected final void start(Backend backend, int maxLogEntries) {
        get(backend.start(maxLogEntries));
    }

    @Override
    protected final void start(Backend backend, LogRetention retention) {
        get(backend.start(retention));
    }

    @Override
    protected final void close(Backend backend) {
        backend.close();
    }

    // ------------------------------------------------------------------------------ across parts

    @Test
    void kvIsSeparateFromSessionData() {
        String id = createSession();
        get(store().putData(id, "k", "session"));
        assertThat(get(store().kvGet("k"))).isNull();
        assertThat(get(store().kvGet(id))).isNull();
    }

    /**
     * A membership snapshot may say "no presence" only of a session that has none: a stream attach
     * skips the presence refresh on its word (issue 16).
     */
    @Test
    void membershipSaysPresenceOfASessionThatTracksSome() {
        String id = createSession();
        get(store().presenceEnter(
                        id,
                        "lobby",
                        "ann",
                        "{}",
                        System.currentTimeMillis() + 60_000,
                        bytes("join:lobby:ann"),
                        bytes("update:lobby:ann")));
        assertThat(get(store().membership(id)).presence()).isTrue();
    }

    /** What a stream attach on an instance that has not seen the session reads (issue 16). */
    @Test
    void findSessionWithMembershipReadsTheRecordAndTheRooms() {
        String id = createSession();
        get(store().join(id, "a", 10, bytes("join a")));
        get(store().join(id, "b", 10, bytes("join b")));
        SessionAttach both = get(store().findSessionWithMembership(id));
        assertThat(both.record()).isEqualTo(get(store().findSession(id)));
        MembershipSnapshot alone = get(store().membership(id));
        assertThat(both.membership().exists()).isTrue();
        assertThat(both.membership().rooms()).containsExactlyInAnyOrder("a", "b");
        if (store().partitions() == 1) { // the version: the last change, as the membership read alone says
            assertThat(both.membership().version()).isEqualTo(alone.version());
        } else {
            assertThat(heads().covers(both.membership().at())).isTrue();
        }

        assertThat(get(store().findSessionWithMembership("nobody"))).isEqualTo(SessionAttach.missing());
        get(store().removeSession(id, bytes("gone")));
        assertThat(get(store().findSessionWithMembership(id))).isEqualTo(SessionAttach.missing());
    }

    @Test
    void findSessionWithMembershipOfASessionWhoseRoomsNeverChangedSaysNoRooms() {
        for (int p = 0; p < store().partitions(); p++) {
            get(appendTo(p, bytes("before " + p)));
        }
        String id = createSession();
        for (int p = 0; p < store().partitions(); p++) {
            get(appendTo(p, bytes("after " + p)));
        }

        SessionAttach fresh = get(store().findSessionWithMembership(id));

        assertThat(fresh.record()).isEqualTo(get(store().findSession(id)));
        assertThat(fresh.membership().exists()).isTrue();
        assertThat(fresh.membership().rooms()).isEmpty();
        assertThat(heads().covers(fresh.membership().at())).isTrue();

        // joined and left since: no room, exact at a position after both changes
        get(store().join(id, "a", 10, bytes("join a")));
        get(store().leave(id, "a", bytes("leave a")));
        LogPosition changed = heads();
        SessionAttach after = get(store().findSessionWithMembership(id));
        assertThat(after.membership().rooms()).isEmpty();
        if (store().partitions() == 1) { // the version: the last change
            assertThat(after.membership().version()).isEqualTo(changed.single());
        } else {
            assertThat(after.membership().at().covers(changed))
                    .as("at %s covers the changes (%s)", after.membership().at(), changed)
                    .isTrue();
        }
    }

    // ---------------------------------------------------------------------------------- lifecycle

    @Test
    void closeIsIdempotent() {
        Backend b = started(MAX_LOG_ENTRIES);
        b.close();
        b.close();
    }

    @Test
    void closeStopsSubscriptions() {
        Backend b = started(MAX_LOG_ENTRIES);
        Recorder rec = new Recorder();
        if (b.partitions() == 1) {
            b.subscribe(get(b.head()), rec);
        } else {
            b.subscribe(get(b.heads()).toArray(), rec);
        }
        b.close();
        // a closed backend may refuse appends: write through another instance when there is one
        Backend writer = instancesShareTheStore() ? store() : b;
        long appended = get(writer.append(bytes("after close")));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !rec.positions()
                .contains(appended));
    }
}
