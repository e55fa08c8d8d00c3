package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendContractTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The backend contract as a Redis user that has exactly the ACL documented in {@code
 * docs/scaling.md} (the {@code ACL SETUSER} line is read from the page, with this test's key prefix
 * and password put in), so a command the backend starts to use without the list being updated fails
 * here with {@code NOPERM} (issue 13). After each test, Redis's {@code ACL LOG} must hold no denial.
 */
class RedisAclIT extends BackendContractTest {

    @RegisterExtension
    static final RedisServerProcess redis = new RedisServerProcess();

    private static final String USER = "socketserve";
    private static final String PASSWORD = "acl-it-password";
    private static final String DOCUMENTED = documentedAcl();
    private static final AtomicInteger TESTS = new AtomicInteger();

    private final String prefix = "acl" + TESTS.incrementAndGet();

    /** The one {@code ACL SETUSER} line of docs/scaling.md, for the default prefix {@code ss}. */
    static String documentedAcl() {
        Path page = Path.of("..", "docs", "scaling.md");
        List<String> lines;
        try {
            lines = Files.readAllLines(page);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + page.toAbsolutePath(), e);
        }
        List<String> acl = lines.stream()
                .map(String::strip)
                .filter(l -> l.startsWith("ACL SETUSER "))
                .toList();
        assertThat(acl).as("ACL SETUSER lines in %s", page).hasSize(1);
        String line = acl.get(0);
        assertThat(line)
                .as("the documented ACL names the default prefix and a placeholder password")
                .contains("~{ss}:*", "&{ss}:volatile", " >change-me ");
        return line;
    }

    private boolean userCreated;

    @Override
    protected Backend newBackend() {
        if (!userCreated) { // once per test: the test's backends share its prefix
            createUser();
            userCreated = true;
        }
        String uri = "redis://" + USER + ":" + PASSWORD + "@127.0.0.1:" + redis.port();
        return new RedisBackend(
                RedisBackendOptions.builder().uri(uri).keyPrefix(prefix).build());
    }

    private void createUser() {
        String setUser = DOCUMENTED
                .replace("{ss}", "{" + prefix + "}")
                .replace(" >change-me ", " >" + PASSWORD + " ")
                .replace("ACL SETUSER socketserve ", "ACL SETUSER " + USER + " ");
        // docs/scaling.md: on Redis 7.2+ add +client|setinfo (Redis 7.0 does not know that command)
        String reply = redis.tryCommand(setUser + " +client|setinfo");
        if (reply != null && reply.contains("Unknown command")) {
            reply = redis.tryCommand(setUser);
        }
        assertThat(reply).as(setUser).isEqualTo("+OK");
    }

    /** After the test's backends closed: nothing was denied, from connecting to closing. */
    @Override
    protected void cleanUp() {
        List<String> denied = new ArrayList<>();
        RedisClient admin = RedisClient.create(redis.uri()); // the default user
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            for (Map<String, Object> entry : c.sync().aclLog()) {
                denied.add(entry.get("reason") + " " + entry.get("object") + " (context " + entry.get("context") + ")");
            }
            c.sync().aclLogReset();
            c.sync().flushall();
        } finally {
            admin.shutdown();
        }
        assertThat(denied).as("ACL LOG: denied to the documented user").isEmpty();
    }
}
