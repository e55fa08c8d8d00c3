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
        return scan(redis.uri());
    }

    static List<String> scan(String uri) {
        RedisClient client = RedisClient.create(uri);
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
        return commandsDuring(List.of(redis.uri()), action);
    }

    /** {@link #commandsDuring(RedisServerProcess, Runnable)} summed over several Redis servers. */
    static long commandsDuring(List<String> uris, Runnable action) {
        List<RedisClient> clients = new ArrayList<>();
        List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
        try {
            for (String uri : uris) {
                RedisClient client = RedisClient.create(uri);
                clients.add(client);
                connections.add(client.connect());
            }
            long before = 0;
            for (StatefulRedisConnection<String, String> c : connections) {
                before += total(c.sync().info("commandstats"));
            }
            action.run();
            long after = 0;
            for (StatefulRedisConnection<String, String> c : connections) {
                after += total(c.sync().info("commandstats"));
            }
            return after - before;
        } finally {
            connections.forEach(StatefulRedisConnection::close);
            clients.forEach(RedisClient::shutdown);
        }
    }

    /**
     * The fewest commands any of {@code tries} runs of {@code action} cost. Background work of the
     * instances (sweeps, heartbeats, presence) only ever adds commands to a window, so the minimum
     * over a few windows is what the action itself costs, even on a busy machine.
     */
    static long fewestCommandsDuring(RedisServerProcess redis, int tries, java.util.function.IntConsumer action) {
        return fewestCommandsDuring(List.of(redis.uri()), tries, action);
    }

    /** {@link #fewestCommandsDuring(RedisServerProcess, int, java.util.function.IntConsumer)} over several servers. */
    static long fewestCommandsDuring(List<String> uris, int tries, java.util.function.IntConsumer action) {
        long fewest = Long.MAX_VALUE;
        for (int i = 0; i < tries; i++) {
            int n = i;
            fewest = Math.min(fewest, commandsDuring(uris, () -> action.accept(n)));
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
