package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.bytes;
import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.newId;
import static io.socketserve.spi.ContractSupport.race;
import static io.socketserve.spi.ContractSupport.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link SessionStore}: creation positions, records, expiry, cursors, removal (exactly
 * once) and session data. It needs a log besides (creation reads the head, removal appends); the
 * removal tests that involve rooms are in {@link MembershipStoreContract}.
 *
 * @param <S> the type under test
 */
public interface SessionStoreContract<S extends LogStore & SessionStore> extends SessionFixture<S> {

    /**
     * Sets the cursor: with one partition through {@link SessionStore#setCursor(String, long)}, as
     * the tests did before partitions, else through {@link SessionStore#setCursor(String,
     * LogPosition)}.
     */
    private void setCursor(String id, LogPosition position) {
        if (store().partitions() == 1) {
            get(store().setCursor(id, position.single()));
        } else {
            get(store().setCursor(id, position));
        }
    }

    /** A position of the store's partition count with every component {@code n}. */
    private LogPosition position(long n) {
        long[] components = new long[store().partitions()];
        Arrays.fill(components, n);
        return LogPosition.of(components);
    }

    // ------------------------------------------------------------------------------- sessions

    @Test
    default void createSessionReturnsTheHeadAsCreationPosition() {
        append("a");
        long head = append("b");
        assertThat(get(store().createSession(record(newId()), System.currentTimeMillis() + 60_000)))
                .isEqualTo(head);
    }

    @Test
    default void createSessionOnAnEmptyLogReturnsZero() {
        assertThat(get(store().createSession(record(newId()), System.currentTimeMillis() + 60_000)))
                .isZero();
    }

    @Test
    default void createSessionAppendsNothing() {
        append("a");
        LogPosition heads = heads();
        createSession();
        assertThat(heads()).isEqualTo(heads);
    }

    @Test
    default void createSessionIfRoomCreatesBelowTheLimitAndRefusesAtIt() {
        long head = append("a");
        LogPosition heads = heads();
        long expires = System.currentTimeMillis() + 60_000;
        String first = newId();
        String second = newId();
        assertThat(get(store().createSessionIfRoom(record(first), expires, 2))).isEqualTo(head);
        assertThat(get(store().createSessionIfRoom(record(second), expires, 2))).isEqualTo(head);

        String refused = newId();
        assertThat(get(store().createSessionIfRoom(record(refused), expires, 2)))
                .isEqualTo(-1L);
        assertThat(get(store().findSession(refused))).isNull();
        assertThat(get(store().sessionCount())).isEqualTo(2L);
        assertThat(get(store().findSession(second))).isEqualTo(record(second).withCreatedAt(heads));
    }

    /**
     * A store that says it {@linkplain SessionStore#admitsAtomically admits atomically} is trusted
     * with concurrent connects (the engine no longer admits them one at a time): 64 creations in
     * flight at once, from 16 threads, for 10 places, create exactly 10 sessions.
     */
    @Test
    default void concurrentCreationsOfAStoreThatAdmitsAtomicallyNeverOvershoot() throws Exception {
        assumeTrue(store().admitsAtomically(), "the store admits in two steps: the engine serialises");
        long expires = System.currentTimeMillis() + 60_000;
        List<List<CompletableFuture<@Nullable LogPosition>>> sent = race(16, () -> {
            List<CompletableFuture<@Nullable LogPosition>> mine = new ArrayList<>();
            for (int i = 0; i < 4; i++) { // sent without waiting: all 64 are in flight together
                mine.add(store().createSessionIfRoomAt(record(newId()), expires, 10)
                        .toCompletableFuture());
            }
            return mine;
        });
        long created = 0;
        long refused = 0;
        for (List<CompletableFuture<@Nullable LogPosition>> mine : sent) {
            for (CompletableFuture<@Nullable LogPosition> f : mine) {
                if (get(f) == null) {
                    refused++;
                } else {
                    created++;
                }
            }
        }
        assertThat(created).as("sessions created").isEqualTo(10);
        assertThat(refused).isEqualTo(54);
        assertThat(get(store().sessionCount())).isEqualTo(10L);
    }

    @Test
    default void createSessionIfRoomAtReturnsTheHeadsOfEveryPartition() {
        // a different number of entries in each partition, so that no component stands for another
        for (int p = 0; p < store().partitions(); p++) {
            for (int i = 0; i <= p; i++) {
                get(appendTo(p, bytes("p" + p + "-" + i)));
            }
        }
        LogPosition heads = heads();
        long expires = System.currentTimeMillis() + 60_000;
        String id = newId();
        assertThat(get(store().createSessionIfRoomAt(record(id), expires, 2))).isEqualTo(heads);
        assertThat(get(store().findSession(id))).isEqualTo(record(id).withCreatedAt(heads));
        createSession();
        String refused = newId();
        assertThat(get(store().createSessionIfRoomAt(record(refused), expires, 2)))
                .isNull();
        assertThat(get(store().findSession(refused))).isNull();
        assertThat(get(store().sessionCount())).isEqualTo(2L);
        assertThat(heads()).isEqualTo(heads);
    }

    @Test
    default void findSessionReturnsTheRecordWithCreationPositionAndCursor() {
        append("a");
        LogPosition heads = heads();
        String id = newId();
        get(store().createSession(record(id), System.currentTimeMillis() + 60_000));
        assertThat(get(store().findSession(id))).isEqualTo(record(id).withCreatedAt(heads));
    }

    @Test
    default void findSessionKeepsAttributesAndEmptyAttributes() {
        String id = newId();
        SessionRecord r = new SessionRecord(id, "h", "/chat", 42, 0, 0, Map.of("a", "1", "b", "", "c:d", "x y"));
        get(store().createSession(r, System.currentTimeMillis() + 60_000));
        assertThat(get(store().findSession(id)).attributes()).isEqualTo(r.attributes());
        String bare = newId();
        get(store().createSession(
                        new SessionRecord(bare, "h", "/", 1, 0, 0, Map.of()), System.currentTimeMillis() + 60_000));
        assertThat(get(store().findSession(bare)).attributes()).isEmpty();
    }

    @Test
    default void findSessionReturnsNullForAnUnknownId() {
        assertThat(get(store().findSession("nobody"))).isNull();
    }

    @Test
    default void sessionsAreVisibleToAnotherInstance() {
        String id = createSession();
        S other = otherInstance();
        assertThat(get(other.findSession(id))).isNotNull();
    }

    @Test
    default void sessionCountCountsSessions() {
        createSession();
        String b = createSession();
        createSession();
        get(store().removeSession(b, bytes("bye")));
        assertThat(get(store().sessionCount())).isEqualTo(2);
    }

    @Test
    default void expiredSessionsReturnsSessionsWhoseExpiryIsAtOrBeforeNow() {
        long now = System.currentTimeMillis();
        String past = createSession(now - 1_000);
        String exactly = createSession(now);
        String future = createSession(now + 60_000);
        assertThat(get(store().expiredSessions(now, 100)))
                .containsExactlyInAnyOrder(past, exactly)
                .doesNotContain(future);
    }

    @Test
    default void expiredSessionsReturnsAtMostMax() {
        long now = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            createSession(now - 1_000);
        }
        assertThat(get(store().expiredSessions(now, 3))).hasSize(3);
    }

    @Test
    default void expiredSessionsDoesNotRemoveThem() {
        long now = System.currentTimeMillis();
        String id = createSession(now - 1_000);
        get(store().expiredSessions(now, 10));
        assertThat(get(store().findSession(id))).isNotNull();
        assertThat(get(store().expiredSessions(now, 10))).contains(id);
    }

    @Test
    default void touchSessionsMovesTheExpiry() {
        long now = System.currentTimeMillis();
        String touched = createSession(now - 1_000);
        String untouched = createSession(now - 1_000);
        get(store().touchSessions(List.of(touched), now + 60_000));
        assertThat(get(store().expiredSessions(now, 10))).containsExactly(untouched);
        assertThat(get(store().expiredSessions(now + 60_000, 10))).contains(touched, untouched);
    }

    @Test
    default void touchSessionsCanMoveTheExpiryEarlier() {
        long now = System.currentTimeMillis();
        String id = createSession(now + 60_000);
        get(store().touchSessions(List.of(id), now - 1));
        assertThat(get(store().expiredSessions(now, 10))).containsExactly(id);
    }

    @Test
    default void touchSessionsIgnoresUnknownIds() {
        String id = createSession();
        get(store().touchSessions(List.of("nobody", id), System.currentTimeMillis() + 120_000));
        assertThat(get(store().findSession("nobody"))).isNull();
        assertThat(get(store().sessionCount())).isEqualTo(1);
        assertThat(get(store().expiredSessions(Long.MAX_VALUE / 2, 10))).containsExactly(id);
    }

    @Test
    default void touchSessionsWithNoIdsDoesNothing() {
        get(store().touchSessions(List.of(), System.currentTimeMillis()));
        assertThat(get(store().sessionCount())).isZero();
    }

    @Test
    default void setCursorRecordsThePosition() {
        String id = createSession();
        append("a");
        LogPosition p = heads();
        setCursor(id, p);
        assertThat(get(store().findSession(id)).cursorAt()).isEqualTo(p);
    }

    @Test
    default void setCursorKeepsTheRestOfTheRecord() {
        String id = createSession();
        SessionRecord before = get(store().findSession(id));
        LogPosition p = position(99);
        setCursor(id, p);
        assertThat(get(store().findSession(id))).isEqualTo(before.withCursorAt(p));
    }

    @Test
    default void setCursorOfAnUnknownIdIsIgnored() {
        setCursor("nobody", position(5));
        assertThat(get(store().findSession("nobody"))).isNull();
        assertThat(get(store().sessionCount())).isZero();
    }

    // -------------------------------------------------------------------------- removeSession

    @Test
    default void removeSessionAppendsItsEntry() {
        String id = createSession();
        LogPosition before = heads();
        RemovedSession removed = get(store().removeSession(id, bytes("bye")));
        // to the session's partition (Partitions: what targets one session)
        int p = partitionOf(id);
        assertThat(head(p)).isEqualTo(removed.position());
        assertThat(textAt(p, removed.position())).isEqualTo("bye");
        assertThat(heads()).isEqualTo(before.with(p, removed.position()));
    }

    @Test
    default void removeSessionDeletesItsData() {
        String id = createSession();
        get(store().putData(id, "k", "1"));
        get(store().removeSession(id, bytes("bye")));
        assertThat(get(store().getAllData(id))).isEmpty();
        assertThat(get(store().getData(id, "k"))).isNull();
    }

    @Test
    default void removeSessionTakesItOutOfTheExpiryIndex() {
        String id = createSession(System.currentTimeMillis() - 1_000);
        get(store().removeSession(id, bytes("bye")));
        assertThat(get(store().expiredSessions(System.currentTimeMillis(), 10))).doesNotContain(id);
    }

    @Test
    default void removeSessionOfAnUnknownIdReturnsNullAndAppendsNothing() {
        append("a");
        LogPosition heads = heads();
        assertThat(get(store().removeSession("nobody", bytes("bye")))).isNull();
        assertThat(heads()).isEqualTo(heads);
    }

    @Test
    default void removeSessionSucceedsOnlyOnce() {
        String id = createSession();
        assertThat(get(store().removeSession(id, bytes("bye")))).isNotNull();
        LogPosition heads = heads();
        assertThat(get(store().removeSession(id, bytes("bye again")))).isNull();
        assertThat(heads()).isEqualTo(heads);
    }

    // --------------------------------------------------------------------------- session data

    @Test
    default void putDataThenGetData() {
        String id = createSession();
        assertThat(get(store().putData(id, "k", "{\"n\":1}"))).isTrue();
        assertThat(get(store().getData(id, "k"))).isEqualTo("{\"n\":1}");
    }

    @Test
    default void putDataReplacesTheValue() {
        String id = createSession();
        get(store().putData(id, "k", "1"));
        get(store().putData(id, "k", "2"));
        assertThat(get(store().getData(id, "k"))).isEqualTo("2");
    }

    @Test
    default void putDataWithNullRemovesTheKey() {
        String id = createSession();
        get(store().putData(id, "k", "1"));
        assertThat(get(store().putData(id, "k", null))).isTrue();
        assertThat(get(store().getData(id, "k"))).isNull();
        assertThat(get(store().getAllData(id))).isEmpty();
    }

    @Test
    default void putDataOfAnUnknownSessionReturnsFalseAndStoresNothing() {
        assertThat(get(store().putData("nobody", "k", "1"))).isFalse();
        assertThat(get(store().getData("nobody", "k"))).isNull();
        assertThat(get(store().findSession("nobody"))).isNull();
    }

    @Test
    default void getDataOfAnAbsentKeyIsNull() {
        String id = createSession();
        assertThat(get(store().getData(id, "absent"))).isNull();
    }

    @Test
    default void getAllDataReturnsEveryKey() {
        String id = createSession();
        get(store().putData(id, "a", "1"));
        get(store().putData(id, "b", "\"two\""));
        assertThat(get(store().getAllData(id))).isEqualTo(Map.of("a", "1", "b", "\"two\""));
    }

    @Test
    default void sessionDataIsPerSession() {
        String a = createSession();
        String b = createSession();
        get(store().putData(a, "k", "1"));
        assertThat(get(store().getData(b, "k"))).isNull();
    }

    @Test
    default void compareAndSetDataSetsWhenTheValueMatches() {
        String id = createSession();
        get(store().putData(id, "k", "1"));
        assertThat(get(store().compareAndSetData(id, "k", "1", "2"))).isTrue();
        assertThat(get(store().getData(id, "k"))).isEqualTo("2");
    }

    @Test
    default void compareAndSetDataFailsWhenTheValueDiffers() {
        String id = createSession();
        get(store().putData(id, "k", "1"));
        assertThat(get(store().compareAndSetData(id, "k", "0", "2"))).isFalse();
        assertThat(get(store().getData(id, "k"))).isEqualTo("1");
    }

    @Test
    default void compareAndSetDataWithNullExpectedSetsOnlyAnAbsentKey() {
        String id = createSession();
        assertThat(get(store().compareAndSetData(id, "k", null, "1"))).isTrue();
        assertThat(get(store().compareAndSetData(id, "k", null, "2"))).isFalse();
        assertThat(get(store().getData(id, "k"))).isEqualTo("1");
    }

    @Test
    default void compareAndSetDataWithNullUpdateRemovesTheKey() {
        String id = createSession();
        get(store().putData(id, "k", "1"));
        assertThat(get(store().compareAndSetData(id, "k", "1", null))).isTrue();
        assertThat(get(store().getData(id, "k"))).isNull();
    }

    @Test
    default void compareAndSetDataOfAnUnknownSessionFails() {
        assertThat(get(store().compareAndSetData("nobody", "k", null, "1"))).isFalse();
        assertThat(get(store().getData("nobody", "k"))).isNull();
    }

    @Test
    default void concurrentCompareAndSetDataIncrementsLoseNoUpdate() throws Exception {
        String id = createSession();
        get(store().putData(id, "n", "0"));
        race(8, () -> {
            for (int i = 0; i < 25; i++) {
                while (true) {
                    String current = get(store().getData(id, "n"));
                    String next = Integer.toString(Integer.parseInt(current) + 1);
                    if (get(store().compareAndSetData(id, "n", current, next))) {
                        break;
                    }
                }
            }
            return null;
        });
        assertThat(get(store().getData(id, "n"))).isEqualTo("200");
    }
}
