package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.IDS;
import static io.socketserve.spi.ContractSupport.bytes;
import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.newId;
import static io.socketserve.spi.ContractSupport.race;
import static io.socketserve.spi.ContractSupport.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link PresenceStore}: entering, updating and leaving with their entries, users with
 * several sessions, liveness (refresh, lapse, drop, revive) and going offline once. It needs a log and
 * sessions besides.
 *
 * @param <S> the type under test
 */
public interface PresenceStoreContract<S extends LogStore & SessionStore & PresenceStore> extends SessionFixture<S> {

    long LIVE = 60_000;

    private PresenceResult enter(S b, String id, String room, String user, String state) {
        return get(b.presenceEnter(
                id,
                room,
                user,
                state,
                System.currentTimeMillis() + LIVE,
                bytes("join:" + room + ":" + user),
                bytes("update:" + room + ":" + user + ":" + state)));
    }

    private Map<String, PresenceMember> members(S b, String room) {
        Map<String, PresenceMember> out = new java.util.HashMap<>();
        for (PresenceMember m : get(b.presenceMembers(room))) {
            out.put(m.user(), m);
        }
        return out;
    }

    /** Every entry of the log: partition by partition, each in log order (a room's entries are in its partition). */
    private List<String> logTexts() {
        return allTexts();
    }

    private static Map<String, byte[]> entries(String prefix, SessionPresence sp) {
        Map<String, byte[]> out = new java.util.HashMap<>();
        sp.rooms().keySet().forEach(room -> out.put(room, bytes(prefix + ":" + room + ":" + sp.user())));
        return out;
    }

    @Test
    default void presenceEnterJoinsTheUserAndAppendsTheJoinEntry() {
        String id = createSession();
        PresenceResult r = enter(store(), id, "lobby", "ann", "{\"s\":1}");
        assertThat(r.status()).isEqualTo(PresenceResult.Status.JOINED);
        // to the room's partition (Partitions: a room's presence entries)
        assertThat(r.position()).isEqualTo(head(partitionOf("lobby")));
        assertThat(textAt(partitionOf("lobby"), r.position())).isEqualTo("join:lobby:ann");
        assertThat(logTexts()).containsExactly("join:lobby:ann");
        assertThat(members(store(), "lobby")).containsOnlyKeys("ann");
        assertThat(members(store(), "lobby").get("ann")).isEqualTo(new PresenceMember("ann", "{\"s\":1}", 1));
        assertThat(get(store().presenceCount("lobby"))).isEqualTo(1);
        SessionPresence sp = get(store().sessionPresence(id));
        assertThat(sp).isEqualTo(new SessionPresence("ann", Map.of("lobby", "{\"s\":1}"), true));
    }

    @Test
    default void presenceCountsAUserWithSeveralSessionsOnce() {
        String a = createSession();
        String b = createSession();
        assertThat(enter(store(), a, "lobby", "ann", "1").status()).isEqualTo(PresenceResult.Status.JOINED);
        assertThat(enter(store(), b, "lobby", "ann", "1").status()).isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(get(store().presenceCount("lobby"))).isEqualTo(1);
        assertThat(members(store(), "lobby").get("ann").sessions()).isEqualTo(2);
        assertThat(logTexts()).containsExactly("join:lobby:ann");

        assertThat(get(store().presenceLeave(a, "lobby", bytes("leave-a"))).status())
                .isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(get(store().presenceCount("lobby"))).isEqualTo(1);
        PresenceResult last = get(store().presenceLeave(b, "lobby", bytes("leave-b")));
        assertThat(last.status()).isEqualTo(PresenceResult.Status.LEFT);
        assertThat(get(store().presenceCount("lobby"))).isZero();
        assertThat(get(store().presenceMembers("lobby"))).isEmpty();
        assertThat(logTexts()).containsExactly("join:lobby:ann", "leave-b");
    }

    @Test
    default void presenceEnterWithAnotherStateUpdatesAndAppends() {
        String a = createSession();
        String b = createSession();
        enter(store(), a, "lobby", "ann", "1");
        assertThat(enter(store(), b, "lobby", "ann", "2").status()).isEqualTo(PresenceResult.Status.UPDATED);
        assertThat(members(store(), "lobby").get("ann").state()).isEqualTo("2");
        assertThat(enter(store(), b, "lobby", "ann", "2").status()).isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(logTexts()).containsExactly("join:lobby:ann", "update:lobby:ann:2");
    }

    @Test
    default void presenceEnterOfAnUnknownSessionOrAnotherUserChangesNothing() {
        assertThat(enter(store(), "nope", "lobby", "ann", "1").status()).isEqualTo(PresenceResult.Status.NO_SESSION);
        String id = createSession();
        enter(store(), id, "lobby", "ann", "1");
        assertThat(enter(store(), id, "other", "bob", "1").status()).isEqualTo(PresenceResult.Status.USER_MISMATCH);
        assertThat(get(store().presenceCount("other"))).isZero();
        assertThat(logTexts()).containsExactly("join:lobby:ann");
    }

    @Test
    default void presenceUpdateSetsTheStateOnlyWhereTracked() {
        String id = createSession();
        enter(store(), id, "lobby", "ann", "1");
        PresenceResult r = get(store().presenceUpdate(id, "lobby", "{\"away\":true}", bytes("upd")));
        assertThat(r.status()).isEqualTo(PresenceResult.Status.UPDATED);
        assertThat(members(store(), "lobby").get("ann").state()).isEqualTo("{\"away\":true}");
        assertThat(get(store().sessionPresence(id)).rooms()).containsEntry("lobby", "{\"away\":true}");
        assertThat(get(store().presenceUpdate(id, "lobby", "{\"away\":true}", bytes("same")))
                        .status())
                .isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(get(store().presenceUpdate(id, "elsewhere", "1", bytes("x"))).status())
                .isEqualTo(PresenceResult.Status.NOT_TRACKED);
        assertThat(logTexts()).containsExactly("join:lobby:ann", "upd");
    }

    @Test
    default void presenceLeaveOfAnUntrackedRoomIsNotTracked() {
        String id = createSession();
        assertThat(get(store().presenceLeave(id, "lobby", bytes("x"))).status())
                .isEqualTo(PresenceResult.Status.NOT_TRACKED);
        assertThat(logTexts()).isEmpty();
    }

    @Test
    default void presenceRefreshExtendsLiveSessionsAndReportsLapsedOnes() {
        String live = createSession();
        String lapsing = createSession();
        String untracked = createSession();
        enter(store(), live, "lobby", "ann", "1");
        get(store().presenceEnter(lapsing, "lobby", "bob", "1", System.currentTimeMillis() - 1, bytes("jb"), null));
        long now = System.currentTimeMillis();
        assertThat(get(store().presenceLapsed(now, 100))).containsExactly(lapsing);
        SessionPresence sp = get(store().sessionPresence(lapsing));
        assertThat(get(store().presenceDrop(lapsing, entries("leave", sp), now, 60_000))
                        .status())
                .isEqualTo(PresenceResult.Status.LEFT);
        assertThat(get(store().sessionPresence(lapsing)).live()).isFalse();
        assertThat(get(store().sessionPresence(lapsing)).rooms()).containsOnlyKeys("lobby");
        assertThat(members(store(), "lobby")).containsOnlyKeys("ann");
        assertThat(get(store().presenceRefresh(List.of(live, lapsing, untracked, "nope"), now + LIVE)))
                .containsExactly(lapsing);
        assertThat(get(store().presenceLapsed(now + LIVE / 2, 100))).isEmpty();
    }

    @Test
    default void presenceRefreshOfManyIdsReportsEveryLapsedOne() {
        List<String> ids = new ArrayList<>();
        List<String> lapsed = new ArrayList<>();
        long past = System.currentTimeMillis() - 1;
        for (int i = 0; i < 700; i++) {
            String id = createSession();
            ids.add(id);
            if (i % 100 == 7) {
                get(store().presenceEnter(id, "r", "u" + i, "1", past, bytes("j"), null));
                SessionPresence sp = get(store().sessionPresence(id));
                get(store().presenceDrop(id, entries("leave", sp), System.currentTimeMillis(), 0));
                lapsed.add(id);
            }
        }
        assertThat(get(store().presenceRefresh(ids, System.currentTimeMillis() + LIVE)))
                .containsExactlyInAnyOrderElementsOf(lapsed);
    }

    @Test
    default void presenceDropOfALiveSessionChangesNothing() {
        String id = createSession();
        enter(store(), id, "lobby", "ann", "1");
        SessionPresence sp = get(store().sessionPresence(id));
        assertThat(get(store().presenceDrop(id, entries("leave", sp), System.currentTimeMillis(), 0))
                        .status())
                .isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(get(store().presenceCount("lobby"))).isEqualTo(1);
    }

    @Test
    default void presenceDropAsksToRetryWhenTheRoomsDiffer() {
        String id = createSession();
        get(store().presenceEnter(id, "a", "ann", "1", System.currentTimeMillis() - 1, bytes("ja"), null));
        assertThat(get(store().presenceDrop(id, Map.of(), System.currentTimeMillis(), 0))
                        .status())
                .isEqualTo(PresenceResult.Status.RETRY);
        assertThat(get(store().presenceCount("a"))).isEqualTo(1);
    }

    @Test
    default void presenceDropAfterTheSessionEndedForgetsItAndAppendsLeaves() {
        String id = createSession();
        enter(store(), id, "a", "ann", "1");
        enter(store(), id, "b", "ann", "1");
        SessionPresence sp = get(store().sessionPresence(id));
        get(store().removeSession(id, bytes("bye")));
        PresenceResult r = get(store().presenceDrop(id, entries("leave", sp), System.currentTimeMillis(), 60_000));
        assertThat(r.status()).isEqualTo(PresenceResult.Status.LEFT);
        assertThat(get(store().sessionPresence(id))).isNull();
        assertThat(get(store().presenceCount("a"))).isZero();
        assertThat(get(store().presenceCount("b"))).isZero();
        assertThat(logTexts()).contains("bye", "leave:a:ann", "leave:b:ann");
        // A second drop (another instance noticing too) changes nothing.
        assertThat(get(store().presenceDrop(id, entries("leave", sp), System.currentTimeMillis(), 0))
                        .status())
                .isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(logTexts().stream().filter(t -> t.startsWith("leave:"))).hasSize(2);
    }

    @Test
    default void aLapsedSessionMustBeRevivedBeforeEnteringAgain() {
        String id = createSession();
        get(store().presenceEnter(id, "a", "ann", "1", System.currentTimeMillis() - 1, bytes("ja"), null));
        get(store().presenceEnter(id, "b", "ann", "2", System.currentTimeMillis() - 1, bytes("jb"), null));
        SessionPresence sp = get(store().sessionPresence(id));
        get(store().presenceDrop(id, entries("leave", sp), System.currentTimeMillis(), 60_000));
        assertThat(enter(store(), id, "c", "ann", "3").status()).isEqualTo(PresenceResult.Status.LAPSED);
        assertThat(get(store().presenceCount("c"))).isZero();

        assertThat(get(store().presenceRevive(id, Map.of("a", bytes("x")), System.currentTimeMillis() + LIVE))
                        .status())
                .isEqualTo(PresenceResult.Status.RETRY);
        PresenceResult r = get(store().presenceRevive(id, entries("rejoin", sp), System.currentTimeMillis() + LIVE));
        assertThat(r.status()).isEqualTo(PresenceResult.Status.JOINED);
        assertThat(members(store(), "a").get("ann").state()).isEqualTo("1");
        assertThat(members(store(), "b").get("ann").state()).isEqualTo("2");
        assertThat(logTexts()).contains("rejoin:a:ann", "rejoin:b:ann");
        assertThat(enter(store(), id, "c", "ann", "3").status()).isEqualTo(PresenceResult.Status.JOINED);
        assertThat(get(store().presenceRevive(id, Map.of(), System.currentTimeMillis() + LIVE))
                        .status())
                .isEqualTo(PresenceResult.Status.UNCHANGED);
    }

    @Test
    default void aUserGoesOfflineOnceAfterTheGracePeriod() {
        String id = createSession();
        enter(store(), id, "lobby", "ann", "1");
        SessionPresence sp = get(store().sessionPresence(id));
        get(store().removeSession(id, bytes("bye")));
        long now = System.currentTimeMillis();
        get(store().presenceDrop(id, entries("leave", sp), now, 5_000));
        assertThat(get(store().presenceOfflineDue(now + 4_999, 100))).isEmpty();
        assertThat(get(store().presenceOfflineDue(now + 5_000, 100))).containsExactly("ann");
        assertThat(get(store().presenceOfflineDue(now + 10_000, 100))).isEmpty();
    }

    @Test
    default void aUserWhoComesBackWithinTheGracePeriodDoesNotGoOffline() {
        String first = createSession();
        enter(store(), first, "lobby", "ann", "1");
        SessionPresence sp = get(store().sessionPresence(first));
        get(store().removeSession(first, bytes("bye")));
        long now = System.currentTimeMillis();
        get(store().presenceDrop(first, entries("leave", sp), now, 5_000));
        String second = createSession();
        enter(store(), second, "lobby", "ann", "1");
        assertThat(get(store().presenceOfflineDue(now + 60_000, 100))).isEmpty();
    }

    @Test
    default void aUserWithAnotherLiveSessionDoesNotGoOffline() {
        String a = createSession();
        String b = createSession();
        enter(store(), a, "x", "ann", "1");
        enter(store(), b, "y", "ann", "1");
        SessionPresence sp = get(store().sessionPresence(a));
        get(store().removeSession(a, bytes("bye")));
        long now = System.currentTimeMillis();
        get(store().presenceDrop(a, entries("leave", sp), now, 0));
        assertThat(get(store().presenceOfflineDue(now + 60_000, 100))).isEmpty();
        assertThat(get(store().presenceCount("y"))).isEqualTo(1);
    }

    @Test
    default void offlineUsersAreHandedToExactlyOneCaller() throws Exception {
        S other = otherInstance();
        long now = System.currentTimeMillis();
        for (int i = 0; i < 20; i++) {
            String id = createSession();
            enter(store(), id, "lobby", "user" + i, "1");
            SessionPresence sp = get(store().sessionPresence(id));
            get(store().removeSession(id, bytes("bye")));
            get(store().presenceDrop(id, entries("leave", sp), now, 0));
        }
        List<List<String>> claims =
                race(4, () -> get((IDS.get() % 2 == 0 ? store() : other).presenceOfflineDue(now + 1, 100)));
        List<String> all = new ArrayList<>();
        claims.forEach(all::addAll);
        assertThat(all).hasSize(20).doesNotHaveDuplicates();
    }

    @Test
    default void presenceIsVisibleAcrossInstances() {
        S other = otherInstance();
        String a = createSession();
        String b = newId();
        get(other.createSession(record(b), System.currentTimeMillis() + 60_000));
        enter(store(), a, "lobby", "ann", "1");
        assertThat(enter(other, b, "lobby", "ann", "1").status()).isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(get(other.presenceCount("lobby"))).isEqualTo(1);
        assertThat(members(other, "lobby").get("ann").sessions()).isEqualTo(2);
    }

    @Test
    default void presenceCountOfAnEmptyRoomIsZero() {
        assertThat(get(store().presenceCount("empty"))).isZero();
        assertThat(get(store().presenceMembers("empty"))).isEmpty();
        assertThat(get(store().sessionPresence("nope"))).isNull();
    }
}
