package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.bytes;
import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.race;
import static io.socketserve.spi.ContractSupport.record;
import static io.socketserve.spi.ContractSupport.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link BatchOperations}: the rules of {@link Selection}, snapshots, and batched
 * joins, leaves and removals with their entries ({@link BatchEntries}). It holds for the defaults too,
 * except that they append one entry per change: {@link #batchesAppendOneEntry()} says which to expect.
 * It needs a log, sessions and membership besides.
 *
 * @param <S> the type under test
 */
public interface BatchOperationsContract<S extends LogStore & BatchOperations> extends SessionFixture<S> {

    /** A codec header as the engine would hand it: not text, so backends must treat it as bytes. */
    byte[] PREFIX = {1, 6, 0, 0, 1, (byte) 0x8f, (byte) 0xff, 0, 0x22, 0x5c};

    int ALL = 10_000;

    ObjectMapper JSON = new ObjectMapper();

    /**
     * Whether the batched operations append one entry per call, as {@link BatchOperations#joinSelected}
     * asks of an implementation that overrides them; {@code false} for one that relies on the default
     * implementations (one entry per change).
     */
    default boolean batchesAppendOneEntry() {
        return true;
    }

    /** The engine's room key: the bare name in "/", namespace + U+001F + name elsewhere. */
    private static String key(String namespace, String room) {
        return "/".equals(namespace) ? room : namespace + Selection.NAMESPACE_SEPARATOR + room;
    }

    private static Selection in(String namespace, String... rooms) {
        return Selection.rooms(namespace, List.of(rooms), ALL);
    }

    private void join(String id, String room) {
        assertThat(get(store().join(id, room, 100, bytes("j"))).status()).isEqualTo(JoinResult.Status.CHANGED);
    }

    /**
     * The JSON bodies of the entries appended after {@code after} (partition by partition, each in
     * log order), each checked to start with PREFIX and to be in the partition its content routes to:
     * a membership entry's changes are of rooms of its partition, a removal entry's sessions are of
     * its partition ({@link Partitions}).
     */
    private List<JsonNode> bodiesAfter(LogPosition after) {
        List<JsonNode> out = new ArrayList<>();
        for (LogRecord r : recordsAfter(after)) {
            byte[] e = r.entry();
            assertThat(Arrays.copyOf(e, Math.min(e.length, PREFIX.length))).isEqualTo(PREFIX);
            JsonNode body;
            try {
                body = JSON.readTree(Arrays.copyOfRange(e, PREFIX.length, e.length));
            } catch (java.io.IOException ex) {
                throw new AssertionError("not JSON after the prefix: " + text(e), ex);
            }
            if (body.has("c")) {
                body.get("c").forEach(c -> assertThat(partitionOf(c.get(1).asText()))
                        .as("partition of the entry changing room %s", c.get(1))
                        .isEqualTo(r.partition()));
            }
            if (body.has("s")) {
                body.get("s").forEach(id -> assertThat(partitionOf(id.asText()))
                        .as("partition of the entry removing %s", id)
                        .isEqualTo(r.partition()));
            }
            out.add(body);
        }
        return out;
    }

    /** The membership changes the entries appended after {@code after} list, partition by partition, in log order. */
    private List<MembershipChange> changesAfter(LogPosition after) {
        List<MembershipChange> out = new ArrayList<>();
        for (JsonNode body : bodiesAfter(after)) {
            for (JsonNode c : body.get("c")) {
                assertThat(c.get(2).isBoolean()).as("joined flag of %s", c).isTrue();
                out.add(new MembershipChange(
                        c.get(0).asText(), c.get(1).asText(), c.get(2).asBoolean()));
            }
        }
        return out;
    }

    /**
     * With one partition: one entry appended after {@code before}, at {@code position}, the head (when
     * batched). With more: one entry in each partition of {@code routingKeys} (the changed rooms, the
     * removed sessions) and none elsewhere, {@code position} the position of one of them (when
     * batched); entries in those partitions only (when not).
     */
    private void assertAppendedOneEntryIfBatched(LogPosition before, long position, List<String> routingKeys) {
        if (store().partitions() == 1) {
            if (batchesAppendOneEntry()) {
                assertThat(get(store().read(before.single(), 100)).records()).hasSize(1);
                assertThat(position).isEqualTo(before.single() + 1);
            }
            assertThat(get(store().head())).isEqualTo(position);
            return;
        }
        java.util.Set<Integer> touched = new java.util.TreeSet<>();
        routingKeys.forEach(k -> touched.add(partitionOf(k)));
        LogPosition heads = heads();
        java.util.Set<Long> entryPositions = new java.util.HashSet<>();
        for (int p = 0; p < store().partitions(); p++) {
            long appended = heads.get(p) - before.get(p);
            if (!touched.contains(p)) {
                assertThat(appended).as("entries appended to partition %d", p).isZero();
            } else if (batchesAppendOneEntry()) {
                assertThat(appended).as("entries appended to partition %d", p).isEqualTo(1);
                entryPositions.add(heads.get(p));
            }
        }
        if (batchesAppendOneEntry()) {
            assertThat(entryPositions).as("the result's position").contains(position);
        }
    }

    /** The rooms of the changes of a membership batch (where its entries go). */
    private static List<String> rooms(List<MembershipChange> changes) {
        List<String> out = new ArrayList<>();
        changes.forEach(c -> out.add(c.room()));
        return out;
    }

    @Test
    default void selectionOfNoRoomsIsEverySessionOfTheNamespace() {
        String a = createSessionIn("/");
        String b = createSessionIn("/");
        String chat = createSessionIn("/chat");
        assertThat(get(store().selectSessions(Selection.all("/", ALL)))).containsExactlyInAnyOrder(a, b);
        assertThat(get(store().selectSessions(Selection.all("/chat", ALL)))).containsExactly(chat);
        assertThat(get(store().selectSessions(Selection.all("/none", ALL)))).isEmpty();
    }

    @Test
    default void selectionHoldsTheMembersOfAnyIncludedRoom() {
        String a = createSession();
        String b = createSession();
        String c = createSession();
        join(a, "r1");
        join(b, "r2");
        join(c, "r3");
        join(a, "r2");
        assertThat(get(store().selectSessions(in("/", "r1", "r2")))).containsExactlyInAnyOrder(a, b);
    }

    @Test
    default void selectionLeavesOutMembersOfExcludedRoomsAndExcludedIds() {
        String a = createSession();
        String b = createSession();
        String c = createSession();
        String d = createSession();
        for (String id : List.of(a, b, c, d)) {
            join(id, "r");
        }
        join(b, "muted");
        Selection s = new Selection("/", List.of("r"), List.of("muted"), List.of(c), ALL);
        assertThat(get(store().selectSessions(s))).containsExactlyInAnyOrder(a, d);
        Selection everyone = new Selection("/", List.of(), List.of("muted"), List.of(d), ALL);
        assertThat(get(store().selectSessions(everyone))).containsExactlyInAnyOrder(a, c);
    }

    @Test
    default void aSocketIdActsAsARoomOfThatSocket() {
        String a = createSession();
        String b = createSession();
        assertThat(get(store().selectSessions(in("/", a)))).containsExactly(a);
        String chatA = createSessionIn("/chat");
        createSessionIn("/chat");
        assertThat(get(store().selectSessions(in("/chat", key("/chat", chatA)))))
                .containsExactly(chatA);
        assertThat(get(store().selectSessions(in("/", a, b)))).containsExactlyInAnyOrder(a, b);
    }

    @Test
    default void anExcludedSocketIdLeavesThatSocketOut() {
        String a = createSession();
        String b = createSession();
        String c = createSession();
        join(a, "r");
        join(b, "r");
        assertThat(get(store().selectSessions(new Selection("/", List.of("r"), List.of(b), List.of(), ALL))))
                .containsExactly(a);
        assertThat(get(store().selectSessions(new Selection("/", List.of(), List.of(a), List.of(), ALL))))
                .containsExactlyInAnyOrder(b, c);
        String x = createSessionIn("/chat");
        String y = createSessionIn("/chat");
        assertThat(get(store().selectSessions(
                                new Selection("/chat", List.of(), List.of(key("/chat", x)), List.of(), ALL))))
                .containsExactly(y);
    }

    @Test
    default void aRoomNamedLikeASocketIdHoldsThatSocketAndTheRoomsMembers() {
        String a = createSession();
        String b = createSession();
        createSession();
        join(b, a);
        assertThat(get(store().selectSessions(in("/", a)))).containsExactlyInAnyOrder(a, b);
    }

    @Test
    default void selectionNeverCrossesNamespaces() {
        String root = createSessionIn("/");
        String chat = createSessionIn("/chat");
        join(root, "lobby");
        // a /chat key naming a root session, a root key naming a /chat session, another namespace's key
        assertThat(get(store().selectSessions(in("/chat", key("/chat", root))))).isEmpty();
        assertThat(get(store().selectSessions(in("/", chat)))).isEmpty();
        assertThat(get(store().selectSessions(in("/chat", "lobby")))).isEmpty();
        assertThat(get(store().selectSessions(in("/chat", key("/other", chat)))))
                .isEmpty();
        assertThat(get(store().selectSessions(in("/chat", key("/chat", chat))))).containsExactly(chat);
    }

    @Test
    default void selectionOfUnknownRoomsAndIdsIsEmpty() {
        createSession();
        assertThat(get(store().selectSessions(in("/", "nowhere", "nobody")))).isEmpty();
    }

    @Test
    default void selectionHoldsAtMostMaxSessions() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(createSession());
        }
        List<String> three = get(store().selectSessions(Selection.all("/", 3)));
        assertThat(three).hasSize(3).doesNotHaveDuplicates();
        assertThat(ids).containsAll(three);
        assertThat(get(store().selectSessions(Selection.all("/", 5)))).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    default void removedSessionsLeaveTheSelection() {
        String a = createSession();
        String b = createSession();
        join(a, "r");
        get(store().removeSession(a, bytes("bye")));
        assertThat(get(store().selectSessions(Selection.all("/", ALL)))).containsExactly(b);
        assertThat(get(store().selectSessions(in("/", "r", a)))).isEmpty();
    }

    @Test
    default void selectionIsTheSameFromAnotherInstance() {
        String a = createSessionIn("/chat");
        S other = otherInstance();
        assertThat(get(other.selectSessions(Selection.all("/chat", ALL)))).containsExactly(a);
    }

    @Test
    default void sessionSnapshotsReadRecordRoomsAndDataInTheOrderOfTheIds() {
        String a = createSession();
        String b = createSessionIn("/chat");
        join(a, "r1");
        join(a, "r2");
        get(store().putData(a, "k", "\"v\""));
        List<SessionSnapshot> snaps = get(store().sessionSnapshots(List.of(b, "nobody", a, b)));
        assertThat(snaps).extracting(sn -> sn.session().id()).containsExactly(b, a);
        assertThat(snaps.get(0).session()).isEqualTo(get(store().findSession(b)));
        assertThat(snaps.get(0).rooms()).isEmpty();
        assertThat(snaps.get(1).session()).isEqualTo(get(store().findSession(a)));
        assertThat(snaps.get(1).rooms()).containsExactlyInAnyOrder("r1", "r2");
        assertThat(snaps.get(1).data()).isEqualTo(Map.of("k", "\"v\""));
        assertThat(get(store().sessionSnapshots(List.of()))).isEmpty();
    }

    @Test
    default void sessionSnapshotsOfManySessionsMissNone() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ids.add(createSession());
        }
        assertThat(get(store().sessionSnapshots(ids)))
                .extracting(sn -> sn.session().id())
                .containsExactlyElementsOf(ids);
    }

    @Test
    default void joinSelectedJoinsEverySelectedSessionAndAppendsOneEntryListingTheChanges() {
        String a = createSession();
        String b = createSession();
        String outsider = createSession();
        join(a, "r");
        join(b, "r");
        LogPosition before = heads();
        MembershipBatchResult result = get(store().joinSelected(in("/", "r"), List.of("x", "y"), 10, PREFIX));
        assertThat(result.changes())
                .containsExactlyInAnyOrder(
                        new MembershipChange(a, "x", true),
                        new MembershipChange(a, "y", true),
                        new MembershipChange(b, "x", true),
                        new MembershipChange(b, "y", true));
        assertThat(result.skippedAtLimit()).isEmpty();
        assertThat(result.truncated()).isFalse();
        assertAppendedOneEntryIfBatched(before, result.position(), rooms(result.changes()));
        assertThat(changesAfter(before)).containsExactlyInAnyOrderElementsOf(result.changes());
        assertThat(get(store().roomMembers("x"))).containsExactlyInAnyOrder(a, b);
        assertThat(get(store().roomSize("y"))).isEqualTo(2);
        assertThat(get(store().membership(a)).rooms()).containsExactlyInAnyOrder("r", "x", "y");
        assertThat(get(store().membership(outsider)).rooms()).isEmpty();
    }

    @Test
    default void joinSelectedListsEachSessionsChangesInRoomOrder() {
        String a = createSession();
        LogPosition before = heads();
        get(store().joinSelected(in("/", a), List.of("z", "a", "m"), 10, PREFIX));
        List<MembershipChange> expected = List.of(
                new MembershipChange(a, "z", true),
                new MembershipChange(a, "a", true),
                new MembershipChange(a, "m", true));
        List<MembershipChange> changes = changesAfter(before);
        assertThat(changes).containsExactlyInAnyOrderElementsOf(expected);
        // in room order within each partition (with one partition: in room order)
        for (int p = 0; p < store().partitions(); p++) {
            int partition = p;
            assertThat(changes.stream().filter(c -> partitionOf(c.room()) == partition))
                    .as("changes in partition %d", p)
                    .containsExactlyElementsOf(expected.stream()
                            .filter(c -> partitionOf(c.room()) == partition)
                            .toList());
        }
    }

    @Test
    default void joinSelectedOfMembersChangesNothingAndAppendsNothing() {
        String a = createSession();
        join(a, "x");
        LogPosition heads = heads();
        MembershipBatchResult again = get(store().joinSelected(in("/", a), List.of("x"), 10, PREFIX));
        assertThat(again.changes()).isEmpty();
        assertThat(again.position()).isZero();
        assertThat(heads()).isEqualTo(heads);
    }

    @Test
    default void joinSelectedTwiceIsHarmless() {
        String a = createSession();
        MembershipBatchResult first = get(store().joinSelected(in("/", a), List.of("x", "x"), 10, PREFIX));
        assertThat(first.changes()).containsExactly(new MembershipChange(a, "x", true));
        LogPosition heads = heads();
        assertThat(get(store().joinSelected(in("/", a), List.of("x"), 10, PREFIX))
                        .changes())
                .isEmpty();
        assertThat(heads()).isEqualTo(heads);
        assertThat(get(store().roomSize("x"))).isEqualTo(1);
    }

    @Test
    default void joinSelectedOfAnEmptySelectionAppendsNothing() {
        append("a");
        LogPosition heads = heads();
        MembershipBatchResult r = get(store().joinSelected(in("/", "nowhere"), List.of("x"), 10, PREFIX));
        assertThat(r.changes()).isEmpty();
        assertThat(r.position()).isZero();
        assertThat(heads()).isEqualTo(heads);
    }

    @Test
    default void joinSelectedSkipsAndReportsSessionsAtTheRoomLimit() {
        String full = createSession();
        String free = createSession();
        join(full, "a");
        join(full, "b");
        MembershipBatchResult r = get(store().joinSelected(Selection.all("/", ALL), List.of("x"), 2, PREFIX));
        assertThat(r.changes()).containsExactly(new MembershipChange(free, "x", true));
        assertThat(r.skippedAtLimit()).containsExactly(full);
        assertThat(get(store().membership(full)).rooms()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    default void joinSelectedJoinsRoomsInOrderUntilTheLimit() {
        String a = createSession();
        join(a, "first");
        MembershipBatchResult r = get(store().joinSelected(in("/", a), List.of("first", "x", "y"), 2, PREFIX));
        assertThat(r.changes()).containsExactly(new MembershipChange(a, "x", true));
        assertThat(r.skippedAtLimit()).containsExactly(a);
        assertThat(get(store().membership(a)).rooms()).containsExactlyInAnyOrder("first", "x");
    }

    @Test
    default void joinSelectedMovesTheMembershipVersionOfChangedSessionsOnly() {
        String a = createSession();
        String b = createSession();
        join(b, "x");
        LogPosition bVersion = get(store().membership(b)).at();
        MembershipBatchResult r = get(store().joinSelected(Selection.all("/", ALL), List.of("x"), 10, PREFIX));
        assertThat(r.changes()).containsExactly(new MembershipChange(a, "x", true));
        LogPosition aCreated = get(store().findSession(a)).createdAt();
        assertThat(aCreated.partitions())
                .as("components of the creation position")
                .isEqualTo(store().partitions());
        assertMembershipAt(get(store().membership(a)), aCreated.with(partitionOf("x"), r.position()));
        assertMembershipAt(get(store().membership(b)), bVersion);
    }

    @Test
    default void joinSelectedReportsATruncatedSelection() {
        for (int i = 0; i < 5; i++) {
            createSession();
        }
        MembershipBatchResult r = get(store().joinSelected(Selection.all("/", 2), List.of("x"), 10, PREFIX));
        assertThat(r.truncated()).isTrue();
        assertThat(r.changes()).hasSize(2);
        assertThat(get(store().roomSize("x"))).isEqualTo(2);
        assertThat(get(store().joinSelected(Selection.all("/", 5), List.of("y"), 10, PREFIX))
                        .truncated())
                .isFalse();
    }

    @Test
    default void joinSelectedByAnotherInstanceIsSeenHere() {
        String a = createSession();
        S other = otherInstance();
        get(other.joinSelected(in("/", a), List.of("x"), 10, PREFIX));
        assertThat(get(store().roomMembers("x"))).containsExactly(a);
    }

    @Test
    default void leaveSelectedTakesMembersOutAndAppendsOneEntryListingTheChanges() {
        String a = createSession();
        String b = createSession();
        String c = createSession();
        join(a, "x");
        join(b, "x");
        join(b, "y");
        join(c, "y");
        LogPosition before = heads();
        LogPosition bVersionBefore = get(store().membership(b)).at();
        MembershipBatchResult r = get(store().leaveSelected(in("/", "x"), List.of("x", "y"), PREFIX));
        assertThat(r.changes())
                .containsExactlyInAnyOrder(
                        new MembershipChange(a, "x", false),
                        new MembershipChange(b, "x", false),
                        new MembershipChange(b, "y", false));
        assertThat(r.skippedAtLimit()).isEmpty();
        assertAppendedOneEntryIfBatched(before, r.position(), rooms(r.changes()));
        assertThat(changesAfter(before)).containsExactlyInAnyOrderElementsOf(r.changes());
        assertThat(get(store().roomMembers("x"))).isEmpty();
        assertThat(get(store().roomSize("x"))).isZero();
        assertThat(get(store().roomMembers("y"))).containsExactly(c);
        MembershipSnapshot version = get(store().membership(b));
        if (store().partitions() == 1 && !batchesAppendOneEntry()) {
            assertThat(version.version()).isGreaterThan(before.single()).isLessThanOrEqualTo(r.position());
        } else if (batchesAppendOneEntry()) {
            // b's changes are in the one entry of each of x's and y's partitions: their heads now
            LogPosition heads = heads();
            assertMembershipAt(
                    version,
                    bVersionBefore
                            .with(partitionOf("x"), heads.get(partitionOf("x")))
                            .with(partitionOf("y"), heads.get(partitionOf("y"))));
        } else {
            assertMembershipAt(version, bVersionBefore);
        }
    }

    @Test
    default void leaveSelectedOfNonMembersChangesNothingAndAppendsNothing() {
        String a = createSession();
        append("a");
        LogPosition heads = heads();
        MembershipBatchResult r = get(store().leaveSelected(in("/", a), List.of("x"), PREFIX));
        assertThat(r.changes()).isEmpty();
        assertThat(r.position()).isZero();
        assertThat(heads()).isEqualTo(heads);
    }

    @Test
    default void batchEntriesKeepRoomKeysAndIdsExactly() {
        String ns = "/ns \"q\" \\ ü";
        String id = createSessionIn(ns);
        String room = key(ns, "room/with \"quotes\", \\ and ü\t");
        LogPosition before = heads();
        get(store().joinSelected(in(ns, key(ns, id)), List.of(room), 10, PREFIX));
        assertThat(changesAfter(before)).containsExactly(new MembershipChange(id, room, true));
        assertThat(get(store().roomMembers(room))).containsExactly(id);
        LogPosition mid = heads();
        get(store().removeSelected(in(ns, room), PREFIX, "server \"namespace\" disconnect"));
        JsonNode body = bodiesAfter(mid).get(0);
        assertThat(body.get("r").asText()).isEqualTo("server \"namespace\" disconnect");
        assertThat(body.get("s").get(0).asText()).isEqualTo(id);
    }

    @Test
    default void removeSelectedRemovesEverySelectedSessionAndAppendsOneEntryNamingThem() {
        String a = createSession();
        String b = createSession();
        String stays = createSession();
        join(a, "r");
        join(b, "r");
        join(b, "other");
        join(stays, "other");
        get(store().putData(a, "k", "1"));
        SessionRecord aRecord = get(store().findSession(a));
        LogPosition before = heads();
        RemovalBatchResult r = get(store().removeSelected(in("/", "r"), PREFIX, "server disconnect"));
        assertThat(r.truncated()).isFalse();
        assertThat(r.removed()).extracting(x -> x.session().id()).containsExactlyInAnyOrder(a, b);
        RemovedSession ra = r.removed().stream()
                .filter(x -> x.session().id().equals(a))
                .findFirst()
                .orElseThrow();
        assertThat(ra.session()).isEqualTo(aRecord);
        assertThat(ra.rooms()).containsExactly("r");
        assertThat(ra.data()).isEqualTo(Map.of("k", "1"));
        if (store().partitions() == 1) {
            assertThat(r.removed()).allSatisfy(x -> assertThat(x.position()).isLessThanOrEqualTo(r.position()));
        } else {
            // the entry naming each session is in the session's partition (checked by bodiesAfter);
            // which partition's position RemovedSession.position is is not specified for a batch
            assertThat(r.removed()).allSatisfy(x -> assertThat(x.position()).isPositive());
        }
        assertAppendedOneEntryIfBatched(before, r.position(), List.of(a, b));
        List<String> named = new ArrayList<>();
        for (JsonNode body : bodiesAfter(before)) {
            assertThat(body.get("r").asText()).isEqualTo("server disconnect");
            body.get("s").forEach(n -> named.add(n.asText()));
        }
        assertThat(named).containsExactlyInAnyOrder(a, b);
        assertThat(get(store().findSession(a))).isNull();
        assertThat(get(store().findSession(b))).isNull();
        assertThat(get(store().roomMembers("r"))).isEmpty();
        assertThat(get(store().roomMembers("other"))).containsExactly(stays);
        assertThat(get(store().getAllData(a))).isEmpty();
        assertThat(get(store().sessionCount())).isEqualTo(1);
        assertThat(get(store().expiredSessions(Long.MAX_VALUE, 10))).containsExactly(stays);
        assertThat(get(store().selectSessions(Selection.all("/", ALL)))).containsExactly(stays);
    }

    @Test
    default void removeSelectedOfNothingAppendsNothing() {
        String a = createSession();
        get(store().removeSelected(in("/", a), PREFIX, "bye"));
        LogPosition heads = heads();
        RemovalBatchResult again = get(store().removeSelected(in("/", a), PREFIX, "bye"));
        assertThat(again.removed()).isEmpty();
        assertThat(again.position()).isZero();
        assertThat(heads()).isEqualTo(heads);
    }

    @Test
    default void removeSelectedOfATruncatedSelectionRemovesTheRestWhenCalledAgain() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(createSession());
        }
        RemovalBatchResult first = get(store().removeSelected(Selection.all("/", 3), PREFIX, "bye"));
        assertThat(first.truncated()).isTrue();
        assertThat(first.removed()).hasSize(3);
        RemovalBatchResult second = get(store().removeSelected(Selection.all("/", 3), PREFIX, "bye"));
        assertThat(second.truncated()).isFalse();
        List<String> removed = new ArrayList<>();
        first.removed().forEach(x -> removed.add(x.session().id()));
        second.removed().forEach(x -> removed.add(x.session().id()));
        assertThat(removed).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(get(store().sessionCount())).isZero();
    }

    @Test
    default void aRemovedIdCanBeCreatedAgainAfterRemoveSelected() {
        String id = createSession();
        join(id, "r");
        get(store().removeSelected(in("/", id), PREFIX, "bye"));
        get(store().createSession(record(id), System.currentTimeMillis() + 60_000));
        assertThat(get(store().membership(id)).rooms()).isEmpty();
        assertThat(get(store().selectSessions(Selection.all("/", ALL)))).containsExactly(id);
    }

    @Test
    default void concurrentRemoveSelectedReportsEachSessionToExactlyOneCaller() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String id = createSession();
            join(id, "r");
            ids.add(id);
        }
        S other = otherInstanceOrSame();
        AtomicInteger turn = new AtomicInteger();
        List<RemovalBatchResult> results = race(8, () -> {
            int t = turn.getAndIncrement();
            S b = t % 2 == 0 ? store() : other;
            if (t % 4 == 3) {
                // single removals race the batches too: still once per session
                List<RemovedSession> single = new ArrayList<>();
                for (String id : ids) {
                    RemovedSession rs = get(b.removeSession(id, bytes("bye")));
                    if (rs != null) {
                        single.add(rs);
                    }
                }
                return new RemovalBatchResult(single, 0, false);
            }
            return get(b.removeSelected(in("/", "r"), PREFIX, "bye"));
        });
        List<String> removed = new ArrayList<>();
        results.forEach(r -> r.removed().forEach(x -> removed.add(x.session().id())));
        assertThat(removed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        assertThat(get(store().sessionCount())).isZero();
    }

    @Test
    default void concurrentJoinSelectedNeverExceedsTheRoomLimit() throws Exception {
        String a = createSession();
        S other = otherInstanceOrSame();
        AtomicInteger turn = new AtomicInteger();
        race(8, () -> {
            int t = turn.getAndIncrement();
            S b = t % 2 == 0 ? store() : other;
            return get(b.joinSelected(in("/", a), List.of("r" + t, "s" + t), 5, PREFIX));
        });
        assertThat(get(store().membership(a)).rooms()).hasSize(5);
    }
}
