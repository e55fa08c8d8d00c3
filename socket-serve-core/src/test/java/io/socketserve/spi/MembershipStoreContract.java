package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.bytes;
import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.race;
import static io.socketserve.spi.ContractSupport.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link MembershipStore}: join and leave with their entries, the room limit, the
 * membership version, room members, and what {@link SessionStore#removeSession} does to memberships.
 * It needs a log and sessions besides.
 *
 * @param <S> the type under test
 */
public interface MembershipStoreContract<S extends LogStore & SessionStore & MembershipStore>
        extends SessionFixture<S> {

    /** The creation position of session {@code id}. */
    private LogPosition createdAt(String id) {
        SessionRecord record = get(store().findSession(id));
        assertThat(record).as("session %s", id).isNotNull();
        assertThat(record.createdAt().partitions())
                .as("components of the creation position of %s", id)
                .isEqualTo(store().partitions());
        return record.createdAt();
    }

    /** {@code at} moved to the change {@code result} made to {@code room} (in the room's partition). */
    private LogPosition changedAt(LogPosition at, String room, JoinResult result) {
        int p = partitionOf(room);
        return at.with(p, Math.max(at.get(p), result.position()));
    }

    // ------------------------------------------------------------------------------- membership

    @Test
    default void joinFollowedByAppendFromOneThreadIsAppendedInThatOrder() {
        String id = createSession();
        CompletionStage<JoinResult> join = store().join(id, "r", 10, bytes("join"));
        if (store().partitions() > 1) {
            // a partitioned store may take a join in two steps (the session's partition, then the
            // room's): the order holds once the join has completed, as a blocking socket.join() is
            get(join);
        }
        // a message to the room goes to the room's partition, as its join does
        CompletionStage<Long> append = appendTo(partitionOf("r"), bytes("msg"));
        assertThat(get(append)).isGreaterThan(get(join).position());
    }

    @Test
    default void joinAddsTheMemberAndAppendsItsEntry() {
        String id = createSession();
        LogPosition before = heads();
        JoinResult result = get(store().join(id, "r", 10, bytes("joined")));
        assertThat(result.status()).isEqualTo(JoinResult.Status.CHANGED);
        // to the room's partition (Partitions: a room's Join/Leave)
        int p = partitionOf("r");
        assertThat(result.position()).isEqualTo(head(p));
        assertThat(textAt(p, result.position())).isEqualTo("joined");
        assertThat(heads()).isEqualTo(before.with(p, result.position()));
        assertThat(get(store().roomMembers("r"))).containsExactly(id);
        assertThat(get(store().membership(id)).rooms()).containsExactly("r");
    }

    @Test
    default void joinOfAMemberIsUnchangedAndAppendsNothing() {
        String id = createSession();
        get(store().join(id, "r", 10, bytes("j")));
        LogPosition heads = heads();
        assertThat(get(store().join(id, "r", 10, bytes("again"))))
                .isEqualTo(JoinResult.of(JoinResult.Status.UNCHANGED));
        assertThat(heads()).isEqualTo(heads);
    }

    @Test
    default void joinBeyondMaxRoomsIsLimitReachedAndAppendsNothing() {
        String id = createSession();
        get(store().join(id, "r1", 2, bytes("j")));
        get(store().join(id, "r2", 2, bytes("j")));
        LogPosition heads = heads();
        assertThat(get(store().join(id, "r3", 2, bytes("j"))))
                .isEqualTo(JoinResult.of(JoinResult.Status.LIMIT_REACHED));
        assertThat(heads()).isEqualTo(heads);
        assertThat(get(store().roomMembers("r3"))).isEmpty();
        assertThat(get(store().membership(id)).rooms()).containsExactlyInAnyOrder("r1", "r2");
    }

    @Test
    default void joinOfAMemberAtTheLimitIsUnchanged() {
        String id = createSession();
        get(store().join(id, "r1", 1, bytes("j")));
        assertThat(get(store().join(id, "r1", 1, bytes("j"))).status()).isEqualTo(JoinResult.Status.UNCHANGED);
    }

    @Test
    default void joinAfterLeavingFreesASlotUnderTheLimit() {
        String id = createSession();
        get(store().join(id, "r1", 1, bytes("j")));
        get(store().leave(id, "r1", bytes("l")));
        assertThat(get(store().join(id, "r2", 1, bytes("j"))).status()).isEqualTo(JoinResult.Status.CHANGED);
    }

    @Test
    default void joinOfAnUnknownSessionIsNoSessionAndAppendsNothing() {
        append("a");
        LogPosition heads = heads();
        assertThat(get(store().join("nobody", "r", 10, bytes("j"))))
                .isEqualTo(JoinResult.of(JoinResult.Status.NO_SESSION));
        assertThat(heads()).isEqualTo(heads);
        assertThat(get(store().roomMembers("r"))).isEmpty();
    }

    @Test
    default void leaveRemovesTheMemberAndAppendsItsEntry() {
        String id = createSession();
        get(store().join(id, "r", 10, bytes("j")));
        LogPosition before = heads();
        JoinResult result = get(store().leave(id, "r", bytes("left")));
        assertThat(result.status()).isEqualTo(JoinResult.Status.CHANGED);
        int p = partitionOf("r");
        assertThat(result.position()).isEqualTo(head(p));
        assertThat(textAt(p, result.position())).isEqualTo("left");
        assertThat(heads()).isEqualTo(before.with(p, result.position()));
        assertThat(get(store().membership(id)).rooms()).isEmpty();
    }

    @Test
    default void leaveOfANonMemberIsUnchangedAndAppendsNothing() {
        String id = createSession();
        append("a");
        LogPosition heads = heads();
        assertThat(get(store().leave(id, "r", bytes("l")))).isEqualTo(JoinResult.of(JoinResult.Status.UNCHANGED));
        assertThat(heads()).isEqualTo(heads);
    }

    @Test
    default void leaveOfAnUnknownSessionIsNoSession() {
        assertThat(get(store().leave("nobody", "r", bytes("l"))))
                .isEqualTo(JoinResult.of(JoinResult.Status.NO_SESSION));
    }

    @Test
    default void leaveKeepsOtherMembers() {
        String a = createSession();
        String b = createSession();
        get(store().join(a, "r", 10, bytes("j")));
        get(store().join(b, "r", 10, bytes("j")));
        get(store().leave(a, "r", bytes("l")));
        assertThat(get(store().roomMembers("r"))).containsExactly(b);
        assertThat(get(store().membership(b)).rooms()).containsExactly("r");
    }

    @Test
    default void anEmptyRoomDisappears() {
        String id = createSession();
        get(store().join(id, "r", 10, bytes("j")));
        get(store().leave(id, "r", bytes("l")));
        assertThat(get(store().roomMembers("r"))).isEmpty();
        assertThat(get(store().roomSize("r"))).isZero();
    }

    @Test
    default void membershipVersionIsTheCreationPositionBeforeAnyChange() {
        append("a");
        String id = createSession();
        MembershipSnapshot snapshot = get(store().membership(id));
        assertThat(snapshot.exists()).isTrue();
        assertThat(snapshot.rooms()).isEmpty();
        // nothing was appended since the creation: the creation position is the only correct one
        assertThat(snapshot.at()).isEqualTo(get(store().findSession(id)).createdAt());
    }

    @Test
    default void membershipVersionIsThePositionOfTheLastJoin() {
        String id = createSession();
        JoinResult first = get(store().join(id, "r1", 10, bytes("j")));
        JoinResult last = get(store().join(id, "r2", 10, bytes("j")));
        append("unrelated");
        MembershipSnapshot snapshot = get(store().membership(id));
        assertMembershipAt(snapshot, changedAt(changedAt(createdAt(id), "r1", first), "r2", last));
        assertThat(snapshot.rooms()).containsExactlyInAnyOrder("r1", "r2");
    }

    @Test
    default void membershipVersionIsThePositionOfTheLastLeave() {
        String id = createSession();
        JoinResult joined = get(store().join(id, "r", 10, bytes("j")));
        JoinResult left = get(store().leave(id, "r", bytes("l")));
        assertMembershipAt(get(store().membership(id)), changedAt(changedAt(createdAt(id), "r", joined), "r", left));
    }

    @Test
    default void membershipVersionIgnoresUnchangedJoinsAndOtherSessions() {
        String id = createSession();
        String other = createSession();
        JoinResult joined = get(store().join(id, "r", 10, bytes("j")));
        get(store().join(id, "r", 10, bytes("again")));
        get(store().join(other, "r", 10, bytes("j")));
        assertMembershipAt(get(store().membership(id)), changedAt(createdAt(id), "r", joined));
    }

    @Test
    default void membershipOfAnUnknownSessionIsMissing() {
        assertThat(get(store().membership("nobody"))).isEqualTo(MembershipSnapshot.missing());
    }

    @Test
    default void roomMembersListsEveryMember() {
        String a = createSession();
        String b = createSession();
        createSession();
        get(store().join(a, "r", 10, bytes("j")));
        get(store().join(b, "r", 10, bytes("j")));
        assertThat(get(store().roomMembers("r"))).containsExactlyInAnyOrder(a, b);
    }

    @Test
    default void roomSizeCountsMembers() {
        for (int i = 0; i < 3; i++) {
            get(store().join(createSession(), "r", 10, bytes("j")));
        }
        assertThat(get(store().roomSize("r"))).isEqualTo(3);
    }

    @Test
    default void anUnknownRoomIsEmpty() {
        assertThat(get(store().roomMembers("never"))).isEmpty();
        assertThat(get(store().roomSize("never"))).isZero();
    }

    @Test
    default void roomNamesAreTakenLiterally() {
        String id = createSession();
        String room = "/chat#room:{a b}*?[x]";
        get(store().join(id, room, 10, bytes("j")));
        assertThat(get(store().roomMembers(room))).containsExactly(id);
        assertThat(get(store().roomMembers("/chat#room:{a b}*?[y]"))).isEmpty();
        assertThat(get(store().membership(id)).rooms()).containsExactly(room);
    }

    @Test
    default void positionsStayStrictlyIncreasingAcrossAllKindsOfAppend() {
        String id = createSession();
        // {partition, position} of each append, in the order they were made
        List<long[]> appends = new ArrayList<>();
        appends.add(new long[] {0, append("a")});
        appends.add(new long[] {
            partitionOf("r"), get(store().join(id, "r", 10, bytes("j"))).position()
        });
        appends.add(new long[] {
            partitionOf("r"), get(store().leave(id, "r", bytes("l"))).position()
        });
        appends.add(new long[] {
            partitionOf(id), get(store().removeSession(id, bytes("bye"))).position()
        });
        appends.add(new long[] {0, append("b")});
        // positions strictly increase within each partition (there is no order across partitions)
        for (int p = 0; p < store().partitions(); p++) {
            List<Long> positions = new ArrayList<>();
            for (long[] a : appends) {
                if (a[0] == p) {
                    positions.add(a[1]);
                }
            }
            assertThat(positions).as("partition %d", p).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    default void stateIsVisibleAcrossInstancesOfOneStore() {
        S other = otherInstance();
        String id = createSession();
        get(other.join(id, "r", 10, bytes("j")));
        assertThat(get(store().roomMembers("r"))).containsExactly(id);
        assertThat(get(store().membership(id)).rooms()).containsExactly("r");
        assertThat(Set.copyOf(get(other.roomMembers("r")))).containsExactly(id);
    }

    // ---------------------------------------------------------- removeSession and memberships

    @Test
    default void removeSessionReturnsTheRecordRoomsAndData() {
        String id = createSession();
        SessionRecord stored = get(store().findSession(id));
        get(store().join(id, "r1", 10, bytes("j1")));
        get(store().join(id, "r2", 10, bytes("j2")));
        get(store().putData(id, "k", "\"v\""));
        RemovedSession removed = get(store().removeSession(id, bytes("bye")));
        assertThat(removed).isNotNull();
        assertThat(removed.session()).isEqualTo(stored);
        assertThat(removed.rooms()).containsExactlyInAnyOrder("r1", "r2");
        assertThat(removed.data()).isEqualTo(Map.of("k", "\"v\""));
    }

    @Test
    default void removeSessionDeletesTheSession() {
        String id = createSession();
        get(store().removeSession(id, bytes("bye")));
        assertThat(get(store().findSession(id))).isNull();
        assertThat(get(store().membership(id)).exists()).isFalse();
        assertThat(get(store().sessionCount())).isZero();
    }

    @Test
    default void removeSessionDeletesItsMemberships() {
        String id = createSession();
        String other = createSession();
        get(store().join(id, "r", 10, bytes("j")));
        get(store().join(other, "r", 10, bytes("j")));
        get(store().removeSession(id, bytes("bye")));
        assertThat(get(store().roomMembers("r"))).containsExactly(other);
        assertThat(get(store().roomSize("r"))).isEqualTo(1);
    }

    @Test
    default void removeSessionEmptiesRoomsThatLoseTheirLastMember() {
        String id = createSession();
        get(store().join(id, "alone", 10, bytes("j")));
        get(store().removeSession(id, bytes("bye")));
        assertThat(get(store().roomMembers("alone"))).isEmpty();
        assertThat(get(store().roomSize("alone"))).isZero();
    }

    @Test
    default void concurrentRemoveSessionHasExactlyOneWinner() throws Exception {
        String id = createSession();
        get(store().join(id, "r", 10, bytes("j")));
        S other = otherInstanceOrSame();
        AtomicInteger turn = new AtomicInteger();
        List<RemovedSession> results = race(8, () -> {
            S b = turn.getAndIncrement() % 2 == 0 ? store() : other;
            return get(b.removeSession(id, bytes("bye")));
        });
        assertThat(results.stream().filter(r -> r != null)).hasSize(1);
        assertThat(allTexts()).containsOnlyOnce("bye");
    }

    @Test
    default void aRemovedIdCanBeCreatedAgainAsANewSession() {
        String id = createSession();
        get(store().join(id, "r", 10, bytes("j")));
        get(store().removeSession(id, bytes("bye")));
        get(store().createSession(record(id), System.currentTimeMillis() + 60_000));
        assertThat(get(store().membership(id)).rooms()).isEmpty();
        assertThat(get(store().roomMembers("r"))).isEmpty();
    }
}
