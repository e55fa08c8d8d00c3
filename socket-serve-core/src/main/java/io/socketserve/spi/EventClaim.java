package io.socketserve.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The answer to {@link EventLedger#claimEvent}: whether the caller runs the event, or what it answers
 * instead.
 *
 * @param state what the ledger found
 * @param answer the stored answer when {@link State#ANSWERED}, else {@code null}
 * @since 0.4
 */
public record EventClaim(State state, byte @Nullable [] answer) {

    /** What the ledger found for the event. */
    public enum State {
        /** The event was new (or its earlier attempt released or abandoned it): the caller runs it now. */
        CLAIMED,
        /** Another attempt holds the event and its lease has not run out: answer "retry later". */
        RUNNING,
        /** The event ran and its answer was kept: answer with {@link #answer()}, do not run it. */
        ANSWERED,
        /** The sequence number is older than the window the ledger keeps: it cannot be told apart. */
        STALE,
        /** There is no such session. */
        UNKNOWN_SESSION
    }

    public EventClaim {
        Objects.requireNonNull(state, "state == null");
        if ((state == State.ANSWERED) != (answer != null)) {
            throw new IllegalArgumentException("an answer comes with ANSWERED, and only with it");
        }
    }

    private static final EventClaim CLAIMED = new EventClaim(State.CLAIMED, null);
    private static final EventClaim RUNNING = new EventClaim(State.RUNNING, null);
    private static final EventClaim STALE = new EventClaim(State.STALE, null);
    private static final EventClaim UNKNOWN = new EventClaim(State.UNKNOWN_SESSION, null);

    public static EventClaim claimed() {
        return CLAIMED;
    }

    public static EventClaim running() {
        return RUNNING;
    }

    public static EventClaim stale() {
        return STALE;
    }

    public static EventClaim unknownSession() {
        return UNKNOWN;
    }

    public static EventClaim answered(byte[] answer) {
        return new EventClaim(State.ANSWERED, Objects.requireNonNull(answer, "answer == null"));
    }
}
