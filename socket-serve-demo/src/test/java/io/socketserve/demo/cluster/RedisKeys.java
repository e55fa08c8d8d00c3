package io.socketserve.demo.cluster;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.socketserve.redis.testing.RedisServerProcess;
import java.util.ArrayList;
import java.util.List;

/** Reads a test Redis directly: the keyspace and command counters. */
final class RedisKeys {

    private RedisKeys() {}

    static List<String> scan(RedisServerProcess redis) {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> keys = new ArrayList<>();
            ScanIterator.scan(c.sync(), ScanArgs.Builder.limit(1000)).forEachRemaining(keys::add);
            return keys;
        } finally {
            client.shutdown();
        }
    }

    /**
     * Commands Redis executed while {@code action} ran (INFO commandstats), leaving out what the
     * instances do in the background whatever happens (XREAD of the log, the expiry sweep's
     * ZRANGEBYSCORE) and the INFO calls themselves.
     */
    static long commandsDuring(RedisServerProcess redis, Runnable action) {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            long before = total(c.sync().info("commandstats"));
            action.run();
            long after = total(c.sync().info("commandstats"));
            return after - before;
        } finally {
            client.shutdown();
        }
    }

    /**
     * The fewest commands any of {@code tries} runs of {@code action} cost. Background work of the
     * instances (sweeps, heartbeats, presence) only ever adds commands to a window, so the minimum
     * over a few windows is what the action itself costs, even on a busy machine.
     */
    static long fewestCommandsDuring(RedisServerProcess redis, int tries, java.util.function.IntConsumer action) {
        long fewest = Long.MAX_VALUE;
        for (int i = 0; i < tries; i++) {
            int n = i;
            fewest = Math.min(fewest, commandsDuring(redis, () -> action.accept(n)));
        }
        return fewest;
    }

    private static long total(String info) {
        long sum = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_")
                    && !line.startsWith("cmdstat_xread")
                    && !line.startsWith("cmdstat_zrangebyscore")
                    && !line.startsWith("cmdstat_info")) {
                int i = line.indexOf("calls=");
                int j = line.indexOf(',', i);
                sum += Long.parseLong(line.substring(i + 6, j));
            }
        }
        return sum;
    }
}
