package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.bytes;
import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.race;
import static io.socketserve.spi.ContractSupport.record;
import static org.assertj.core.api.Assertions.assertThat;

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

    // ------------------------------------------------------------------------------- membership

    @Test
    default void joinFollowedByAppendFromOneThreadIsAppendedInThatOrder() {
        String id = createSession();
        CompletionStage<JoinResult> join = store().join(id, "r", 10, bytes("join"));
        CompletionStage<Long> append = store().append(bytes("msg"));
        assertThat(get(append)).isGreaterThan(get(join).position());
    }

    @Test
    default void joinAddsTheMemberAndAppendsItsEntry() {
        String id = createSession();
        JoinResult result = get(store().join(id, "r", 10, bytes("joined")));
        assertThat(result.status()).isEqualTo(JoinResult.Status.CHANGED);
        assertThat(result.position()).isEqualTo(get(store().head()));
        assertThat(texts(get(store().read(result.position() - 1, 1)).records())).containsExactly("joined");
        assertThat(get(store().roomMembers("r"))).containsExactly(id);
        assertThat(get(store().membership(id)).rooms()).containsExactly("r");
    }

    @Test
    default void joinOfAMemberIsUnchangedAndAppendsNothing() {
        String id = createSession();
        get(store().join(id, "r", 10, bytes("j")));
        long head = get(store().head());
        assertThat(get(store().join(id, "r", 10, bytes("again"))))
                .isEqualTo(JoinResult.of(JoinResult.Status.UNCHANGED));
        assertThat(get(store().head())).isEqualTo(head);
    }

    @Test
    default void joinBeyondMaxRoomsIsLimitReachedAndAppendsNothing() {
        String id = createSession();
        get(store().join(id, "r1", 2, bytes("j")));
        get(store().join(id, "r2", 2, bytes("j")));
        long head = get(store().head());
        assertThat(get(store().join(id, "r3", 2, bytes("j"))))
                .isEqualTo(JoinResult.of(JoinResult.Status.LIMIT_REACHED));
        assertThat(get(store().head())).isEqualTo(head);
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
        long head = append("a");
        assertThat(get(store().join("nobody", "r", 10, bytes("j"))))
                .isEqualTo(JoinResult.of(JoinResult.Status.NO_SESSION));
        assertThat(get(store().head())).isEqualTo(head);
        assertThat(get(store().roomMembers("r"))).isEmpty();
    }

    @Test
    default void leaveRemovesTheMemberAndAppendsItsEntry() {
        String id = createSession();
        get(store().join(id, "r", 10, bytes("j")));
        JoinResult result = get(store().leave(id, "r", bytes("left")));
        assertThat(result.status()).isEqualTo(JoinResult.Status.CHANGED);
        assertThat(result.position()).isEqualTo(get(store().head()));
        assertThat(texts(get(store().read(result.position() - 1, 1)).records())).containsExactly("left");
        assertThat(get(store().membership(id)).rooms()).isEmpty();
    }

    @Test
    default void leaveOfANonMemberIsUnchangedAndAppendsNothing() {
        String id = createSession();
        long head = append("a");
        assertThat(get(store().leave(id, "r", bytes("l")))).isEqualTo(JoinResult.of(JoinResult.Status.UNCHANGED));
        assertThat(get(store().head())).isEqualTo(head);
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
        assertThat(snapshot.version()).isEqualTo(get(store().findSession(id)).createdPosition());
    }

    @Test
    default void membershipVersionIsThePositionOfTheLastJoin() {
        String id = createSession();
        get(store().join(id, "r1", 10, bytes("j")));
        JoinResult last = get(store().join(id, "r2", 10, bytes("j")));
        append("unrelated");
        MembershipSnapshot snapshot = get(store().membership(id));
        assertThat(snapshot.version()).isEqualTo(last.position());
        assertThat(snapshot.rooms()).containsExactlyInAnyOrder("r1", "r2");
    }

    @Test
    default void membershipVersionIsThePositionOfTheLastLeave() {
        String id = createSession();
        get(store().join(id, "r", 10, bytes("j")));
        JoinResult left = get(store().leave(id, "r", bytes("l")));
        assertThat(get(store().membership(id)).version()).isEqualTo(left.position());
    }

    @Test
    default void membershipVersionIgnoresUnchangedJoinsAndOtherSessions() {
        String id = createSession();
        String other = createSession();
        JoinResult joined = get(store().join(id, "r", 10, bytes("j")));
        get(store().join(id, "r", 10, bytes("again")));
        get(store().join(other, "r", 10, bytes("j")));
        assertThat(get(store().membership(id)).version()).isEqualTo(joined.position());
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
        long a = append("a");
        long j = get(store().join(id, "r", 10, bytes("j"))).position();
        long l = get(store().leave(id, "r", bytes("l"))).position();
        long r = get(store().removeSession(id, bytes("bye"))).position();
        long b = append("b");
        assertThat(List.of(a, j, l, r, b)).isSorted().doesNotHaveDuplicates();
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
        assertThat(texts(get(store().read(0, 100)).records())).containsOnlyOnce("bye");
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
