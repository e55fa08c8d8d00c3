package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.socketserve.SocketServeException;
import org.junit.jupiter.api.Test;

/** The per-session byte budget: a bucket of {@code budget} bytes refilled at {@code budget} per window. */
class LogBudgetsTest {

    @Test
    void aSessionMaySpendItsBudgetThenIsRefused429() {
        LogBudgets b = new LogBudgets(1_000, 60_000);
        b.charge("s", 600, 0);
        b.charge("s", 400, 0);
        assertThatThrownBy(() -> b.charge("s", 1, 0)).isInstanceOfSatisfying(SocketServeException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.code()).isEqualTo("log_budget_exceeded");
        });
        b.charge("other", 1_000, 0); // per session
    }

    @Test
    void theBudgetRefillsOverTheWindowAndARefusalTakesNothing() {
        LogBudgets b = new LogBudgets(1_000, 10_000);
        b.charge("s", 1_000, 0);
        assertThatThrownBy(() -> b.charge("s", 600, 5_000)).isInstanceOf(SocketServeException.class);
        b.charge("s", 500, 5_000); // half a window refilled half the budget; the refusal took nothing
        assertThatThrownBy(() -> b.charge("s", 1, 5_000)).isInstanceOf(SocketServeException.class);
        b.charge("s", 1_000, 100_000); // full again, never more than the budget
        assertThatThrownBy(() -> b.charge("s", 1, 100_000)).isInstanceOf(SocketServeException.class);
    }

    @Test
    void withinAnyWindowASessionAppendsAtMostTwiceTheBudget() {
        LogBudgets b = new LogBudgets(1_000, 10_000);
        long spent = 0;
        for (long t = 0; t <= 10_000; t += 100) {
            try {
                b.charge("s", 50, t);
                spent += 50;
            } catch (SocketServeException refused) {
                // over budget at this instant
            }
        }
        assertThat(spent).isLessThanOrEqualTo(2_000).isGreaterThan(1_000);
    }

    @Test
    void idleBucketsAreForgottenAndZeroDisables() {
        LogBudgets b = new LogBudgets(1_000, 10_000);
        b.charge("s", 500, 0);
        b.evictIdle(1_000);
        assertThat(b.size()).isEqualTo(1);
        b.evictIdle(5_000);
        assertThat(b.size()).isZero();
        LogBudgets off = new LogBudgets(0, 10_000);
        off.charge("s", Integer.MAX_VALUE, 0);
        assertThat(off.size()).isZero();
    }
}
