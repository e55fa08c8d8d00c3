package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.testing.ExpectedFailure;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The poll cursors an instance remembers when the backend could not store them (issue 13). */
class PendingCursorsTest {

    private final PendingCursors pending = new PendingCursors(Duration.ofMinutes(1));

    @Test
    void aCursorThatWasNotStoredIsRememberedUntilAStoredOneCoversIt() {
        assertThat(pending.cursor("s", 5)).isEqualTo(5);
        pending.failed("s", 9, new ExpectedFailure("setCursor refused"));
        assertThat(pending.cursor("s", 5))
                .as("the later of stored and remembered")
                .isEqualTo(9);
        assertThat(pending.cursor("s", 12)).isEqualTo(12);
        assertThat(pending.cursor("other", 5)).isEqualTo(5);

        pending.stored("s", 8); // an older answer stored: the remembered one still counts
        assertThat(pending.cursor("s", 8)).isEqualTo(9);
        pending.stored("s", 9);
        assertThat(pending.cursor("s", 0)).isZero();
        assertThat(pending.size()).isZero();
    }

    @Test
    void aLaterFailureMovesTheRememberedCursorAndAnEarlierOneDoesNot() {
        pending.failed("s", 9, new ExpectedFailure("setCursor refused"));
        pending.failed("s", 7, new ExpectedFailure("setCursor refused"));
        assertThat(pending.cursor("s", 0)).isEqualTo(9);
        pending.failed("s", 11, new ExpectedFailure("setCursor refused"));
        assertThat(pending.cursor("s", 0)).isEqualTo(11);
    }
}
