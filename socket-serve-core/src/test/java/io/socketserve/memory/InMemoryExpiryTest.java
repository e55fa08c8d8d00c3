package io.socketserve.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.spi.PresenceResult;
import io.socketserve.spi.SessionRecord;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deadline-ordered sweeps of {@link InMemoryBackend} (issue 13): expired sessions, lapsed presence
 * and users due offline come out earliest first, a re-touch moves a deadline either way, and a removed
 * session or dropped presence leaves the index. Deadlines here are plain numbers, not wall-clock times.
 */
class InMemoryExpiryTest {

    private final InMemoryBackend backend = new InMemoryBackend();

    @BeforeEach
    void start() {
        get(backend.start(1_000));
    }

    @Test
    void expiredSessionsComeOutEarliestFirstUnderManyTouches() {
        Random random = new Random(13);
        Map<String, Long> model = new HashMap<>();
        for (int i = 0; i < 2_000; i++) {
            String id = "s" + i;
            long deadline = 1_000 + random.nextInt(100_000);
            create(id, deadline);
            model.put(id, deadline);
        }
        for (int i = 0; i < 20_000; i++) {
            String id = "s" + random.nextInt(2_000);
            long deadline = 1_000 + random.nextInt(100_000);
            get(backend.touchSessions(List.of(id), deadline));
            model.put(id, deadline);
        }
        for (int i = 0; i < 300; i++) {
            String id = "s" + random.nextInt(2_000);
            if (model.remove(id) != null) {
                assertThat(get(backend.removeSession(id, bytes("gone")))).isNotNull();
            }
        }
        for (long now : new long[] {0, 999, 1_000, 5_000, 50_000, 100_999, 200_000}) {
            for (int max : new int[] {1, 10, 100, 1_000, 10_000}) {
                List<String> got = get(backend.expiredSessions(now, max));
                List<Long> expectedDeadlines = model.values().stream()
                        .filter(d -> d <= now)
                        .sorted()
                        .limit(max)
                        .toList();
                assertThat(got).doesNotHaveDuplicates();
                assertThat(got.stream().map(model::get).toList())
                        .as("deadlines of expiredSessions(%d, %d)", now, max)
                        .isEqualTo(expectedDeadlines);
            }
        }
    }

    @Test
    void aTouchMovesTheDeadlineLaterAndEarlier() {
        create("a", 100);
        create("b", 200);
        assertThat(get(backend.expiredSessions(150, 10))).containsExactly("a");
        get(backend.touchSessions(List.of("a"), 500));
        assertThat(get(backend.expiredSessions(150, 10))).isEmpty();
        assertThat(get(backend.expiredSessions(600, 10))).containsExactly("b", "a");
        get(backend.touchSessions(List.of("a", "unknown"), 50));
        assertThat(get(backend.expiredSessions(600, 10))).containsExactly("a", "b");
        assertThat(get(backend.expiredSessions(600, 1))).containsExactly("a");
        assertThat(get(backend.expiredSessions(600, 0))).isEmpty();
    }

    @Test
    void aRemovedSessionIsNoLongerExpired() {
        create("a", 100);
        create("b", 100);
        get(backend.removeSession("a", bytes("gone")));
        assertThat(get(backend.expiredSessions(1_000, 10))).containsExactly("b");
        get(backend.touchSessions(List.of("a"), 50)); // touching a removed session does not bring it back
        assertThat(get(backend.expiredSessions(1_000, 10))).containsExactly("b");
    }

    @Test
    void lapsedPresenceComesOutEarliestFirstAndFollowsRefreshesAndDrops() {
        for (int i = 0; i < 50; i++) {
            create("p" + i, Long.MAX_VALUE);
            enter("p" + i, "user" + i, 10_000 - i * 100L); // p49 lapses first
        }
        List<String> firstThree = get(backend.presenceLapsed(10_000, 3));
        assertThat(firstThree).containsExactly("p49", "p48", "p47");
        get(backend.presenceRefresh(List.of("p49"), 20_000)); // moves p49 last
        assertThat(get(backend.presenceLapsed(10_000, 3))).containsExactly("p48", "p47", "p46");
        get(backend.presenceRefresh(List.of("p48"), 1)); // a refresh never shortens the deadline
        assertThat(get(backend.presenceLapsed(10_000, 1))).containsExactly("p48");
        get(backend.presenceEnter("p47", "lobby", "user47", "{}", 30_000, bytes("j"), null));
        assertThat(get(backend.presenceLapsed(10_000, 2))).containsExactly("p48", "p46");

        assertThat(get(backend.presenceDrop("p48", Map.of("lobby", bytes("leave")), 10_000, 500))
                        .status())
                .isEqualTo(PresenceResult.Status.LEFT);
        assertThat(get(backend.presenceLapsed(10_000, 1))).containsExactly("p46");
        assertThat(get(backend.presenceLapsed(100_000, 100))).hasSize(49).endsWith("p49", "p47");
    }

    @Test
    void usersComeOfflineEarliestFirstOnceEach() {
        for (int i = 0; i < 5; i++) {
            create("o" + i, Long.MAX_VALUE);
            enter("o" + i, "user" + i, 1_000);
        }
        // Dropped at 2_000 with decreasing grace: user4 is due first.
        for (int i = 0; i < 5; i++) {
            get(backend.presenceDrop("o" + i, Map.of("lobby", bytes("leave")), 2_000, 1_000 - i * 100L));
        }
        assertThat(get(backend.presenceOfflineDue(2_750, 10))).containsExactly("user4", "user3");
        assertThat(get(backend.presenceOfflineDue(2_750, 10))).isEmpty();
        // user2 comes back before its offline time: it is not due any more.
        assertThat(get(backend.presenceRevive("o2", Map.of("lobby", bytes("join")), 5_000))
                        .status())
                .isEqualTo(PresenceResult.Status.JOINED);
        assertThat(get(backend.presenceOfflineDue(10_000, 1))).containsExactly("user1");
        assertThat(get(backend.presenceOfflineDue(10_000, 10))).containsExactly("user0");
    }

    private void create(String id, long expiresAt) {
        get(backend.createSession(
                new SessionRecord(id, "hash-" + id, "/", 1_700_000_000_000L, 0, 0, Map.of()), expiresAt));
    }

    private void enter(String id, String user, long liveUntil) {
        get(backend.presenceEnter(id, "lobby", user, "{}", liveUntil, bytes("join"), null));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static <T> T get(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }
}
