package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.bytes;
import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.newId;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link EventLedger}: claims, leases, answers, the window, and appends that are
 * never repeated. It needs a log and sessions besides.
 *
 * @param <S> the type under test
 */
public interface EventLedgerContract<S extends LogStore & SessionStore & EventLedger> extends SessionFixture<S> {

    long LEASE = 10_000;

    private EventClaim claim(String id, long seq, long now) {
        return claim(id, seq, "attempt-" + now, now);
    }

    private EventClaim claim(String id, long seq, String attempt, long now) {
        return get(store().claimEvent(id, seq, attempt, 8, now, LEASE));
    }

    private void settle(String id, long seq, long claimedAt, byte[] answer) {
        get(store().settleEvent(id, seq, "attempt-" + claimedAt, answer));
    }

    @Test
    default void aNewEventIsClaimed() {
        String id = createSession();
        assertThat(claim(id, 1, 1_000).state()).isEqualTo(EventClaim.State.CLAIMED);
    }

    @Test
    default void aClaimedEventIsRunningUntilItsLeaseEnds() {
        String id = createSession();
        claim(id, 1, 1_000);
        assertThat(claim(id, 1, 1_000 + LEASE - 1).state()).isEqualTo(EventClaim.State.RUNNING);
        assertThat(claim(id, 1, 1_000 + LEASE).state()).isEqualTo(EventClaim.State.CLAIMED);
    }

    @Test
    default void anAnsweredEventAnswersEveryLaterClaimByteForByte() {
        String id = createSession();
        claim(id, 1, 1_000);
        byte[] answer = "{\"success\":true,\"ack\":\"é\u0000\"}".getBytes(StandardCharsets.UTF_8);
        settle(id, 1, 1_000, answer);
        EventClaim again = claim(id, 1, 1_000 + 10 * LEASE);
        assertThat(again.state()).isEqualTo(EventClaim.State.ANSWERED);
        assertThat(again.answer()).isEqualTo(answer);
    }

    @Test
    default void aReleasedEventIsClaimedAgain() {
        String id = createSession();
        claim(id, 1, 1_000);
        settle(id, 1, 1_000, null);
        assertThat(claim(id, 1, 1_001).state()).isEqualTo(EventClaim.State.CLAIMED);
    }

    @Test
    default void eventsOfOneSessionAreIndependent() {
        String id = createSession();
        claim(id, 1, 1_000);
        assertThat(claim(id, 2, 1_000).state()).isEqualTo(EventClaim.State.CLAIMED);
        settle(id, 2, 1_000, bytes("two"));
        assertThat(claim(id, 1, 1_000).state()).isEqualTo(EventClaim.State.RUNNING);
        assertThat(claim(id, 2, 1_000).answer()).isEqualTo(bytes("two"));
    }

    @Test
    default void sessionsDoNotShareTheirLedgers() {
        String a = createSession();
        String b = createSession();
        claim(a, 1, 1_000);
        settle(a, 1, 1_000, bytes("a"));
        assertThat(claim(b, 1, 1_000).state()).isEqualTo(EventClaim.State.CLAIMED);
    }

    @Test
    default void numbersBelowTheWindowAreStale() {
        String id = createSession();
        for (long seq = 1; seq <= 10; seq++) {
            claim(id, seq, 1_000);
            settle(id, seq, 1_000, bytes("a" + seq));
        }
        // window 8: 3..10 are remembered, 1 and 2 are not
        assertThat(claim(id, 2, 1_000).state()).isEqualTo(EventClaim.State.STALE);
        assertThat(claim(id, 3, 1_000).answer()).isEqualTo(bytes("a3"));
        assertThat(claim(id, 1_000, 1_000).state()).isEqualTo(EventClaim.State.CLAIMED);
        assertThat(claim(id, 10, 1_000).state()).isEqualTo(EventClaim.State.STALE);
    }

    @Test
    default void aClaimForAnUnknownSessionSaysSo() {
        assertThat(claim(newId(), 1, 1_000).state()).isEqualTo(EventClaim.State.UNKNOWN_SESSION);
    }

    @Test
    default void aRemovedSessionTakesItsLedgerAlong() {
        String id = createSession();
        claim(id, 1, 1_000);
        settle(id, 1, 1_000, bytes("a"));
        get(store().removeSession(id, bytes("bye")));
        assertThat(claim(id, 1, 1_000).state()).isEqualTo(EventClaim.State.UNKNOWN_SESSION);
    }

    @Test
    default void appendOnceAppendsEachAppendOfAnEventOnce() {
        String id = createSession();
        claim(id, 1, 1_000);
        long first = get(store().appendOnce(id, 1, 1, bytes("m1")));
        long second = get(store().appendOnce(id, 1, 2, bytes("m2")));
        assertThat(second).isEqualTo(first + 1);
        // the event runs again (its first attempt's outcome was unknown): nothing is appended twice
        settle(id, 1, 1_000, null);
        claim(id, 1, 1_001);
        assertThat(get(store().appendOnce(id, 1, 1, bytes("m1 again")))).isEqualTo(first);
        assertThat(get(store().appendOnce(id, 1, 2, bytes("m2 again")))).isEqualTo(second);
        long third = get(store().appendOnce(id, 1, 3, bytes("m3")));
        assertThat(third).isEqualTo(second + 1);
        assertThat(get(store().head())).isEqualTo(third);
        assertThat(get(store().read(first - 1, 10)).records())
                .extracting(r -> new String(r.entry(), StandardCharsets.UTF_8))
                .containsExactly("m1", "m2", "m3");
    }

    @Test
    default void appendOnceOfAnEventOutsideTheLedgerAppendsPlainly() {
        String id = createSession();
        // into the session's own partition: a partitioned store may also remember appends of events
        // it no longer holds when they go to another partition (EventLedger#appendOnce(int, …))
        int p = Partitions.of(id, store().partitions());
        long a = get(store().appendOnce(p, id, 5, 1, bytes("x")));
        long b = get(store().appendOnce(p, id, 5, 1, bytes("x")));
        assertThat(b).isEqualTo(a + 1);
    }

    @Test
    default void anEventThatLeavesTheWindowForgetsItsAppends() {
        String id = createSession();
        claim(id, 1, 1_000);
        int p = Partitions.of(id, store().partitions()); // see above
        long first = get(store().appendOnce(p, id, 1, 1, bytes("m1")));
        claim(id, 9, 1_000); // window 8: 1 is forgotten
        assertThat(get(store().appendOnce(p, id, 1, 1, bytes("m1")))).isGreaterThan(first);
    }

    @Test
    default void onlyTheAttemptHoldingTheClaimSettlesIt() {
        String id = createSession();
        claim(id, 1, "first", 1_000);
        get(store().settleEvent(id, 1, "someone else", bytes("not mine")));
        assertThat(claim(id, 1, "second", 1_001).state()).isEqualTo(EventClaim.State.RUNNING);
        // the lease runs out and another attempt takes over: the first can no longer release it
        assertThat(claim(id, 1, "third", 1_000 + LEASE).state()).isEqualTo(EventClaim.State.CLAIMED);
        get(store().settleEvent(id, 1, "first", null));
        assertThat(claim(id, 1, "fourth", 1_000 + LEASE + 1).state()).isEqualTo(EventClaim.State.RUNNING);
        get(store().settleEvent(id, 1, "third", bytes("third's")));
        assertThat(claim(id, 1, "fifth", 1_000 + LEASE + 2).answer()).isEqualTo(bytes("third's"));
        get(store().settleEvent(id, 1, "third", null));
        assertThat(claim(id, 1, "sixth", 1_000 + LEASE + 3).state()).isEqualTo(EventClaim.State.ANSWERED);
    }
}
