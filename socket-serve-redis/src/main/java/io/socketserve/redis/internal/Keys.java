package io.socketserve.redis.internal;

import io.socketserve.spi.Partitions;
import java.nio.charset.StandardCharsets;

/**
 * The key layout (documented in {@code docs/scaling.md}). The log has {@link #partitions()}
 * partitions; every key belongs to one of them and starts with that partition's hash tag, so a script
 * that touches only one partition's keys stays within one Redis Cluster slot. With one partition the
 * tag is {@code {prefix}} (the layout before partitions); with more, partition {@code p}'s tag is
 * {@code {prefix.p.n}}, where {@code n} is the smallest number that puts the tag's slot into the
 * p-th of {@code partitions} equal ranges of the 16,384 slots: partitions spread evenly over masters
 * that own contiguous slot ranges (what {@code redis-cli --cluster create} sets up).
 *
 * <p>Which partition a key belongs to: a session's keys, its partition ({@link Partitions#of} of its
 * id); a room's keys, the room's; an application key/value or rate-limit key, that key's; the
 * expiry, namespace and presence indexes exist once per partition, for the sessions of that
 * partition. The Lua scripts build the same names from the partition's prefix ({@code ARGV[1]}).
 *
 * <pre>
 * {p}:log          stream  the log, entry ids 0-&lt;position&gt;, one field "e"
 * {p}:lineage      string  replication id of the master the last append ran on (prelude.lua)
 * {p}:logsz        list    "&lt;position&gt;:&lt;length&gt;:&lt;time ms&gt;" per log entry, oldest first (prelude.lua)
 * {p}:logbytes     string  sum of the lengths in logsz: the log's bytes, for its byte bound
 * {p}:exp          zset    session id scored by expiry (ms)
 * {p}:ns:&lt;ns&gt;      set     ids of the namespace's sessions (gone when empty)
 * {p}:s:&lt;id&gt;       hash    session record
 * {p}:sr:&lt;id&gt;      set     the session's rooms
 * {p}:sd:&lt;id&gt;      hash    the session's data
 * {p}:ev:&lt;id&gt;      hash    the session's event ledger (claim_event.lua)
 * {p}:r:&lt;room&gt;     set     the room's members (gone when empty)
 * {p}:kv:&lt;key&gt;     string  application key/value
 * {p}:rl:&lt;key&gt;     hash    rate-limit token bucket (expires once it would be full again)
 * {p}:ao:&lt;id&gt;      hash    P &gt; 1: the session's appendOnce records of entries into partition p
 * {p}:prm:&lt;room&gt;   hash    P &gt; 1: live session → user of the sessions counted in the room's presence
 * {p}:pus:&lt;user&gt;   set     P &gt; 1: the user's live sessions (in the user's partition)
 * {prefix}:meta    hash    a partitioned log's partition count (checked at start; none with one partition)
 * </pre>
 */
public final class Keys {

    /** The number of hash slots of a Redis Cluster. */
    public static final int SLOTS = 16384;

    private final String keyPrefix;
    private final int partitions;
    private final String[] prefixes;
    private final byte[][] prefixBytes;
    private final byte[][] logs;

    /** The layout of a single-partition log: every key under {@code {keyPrefix}:}. */
    public Keys(String keyPrefix) {
        this(keyPrefix, 1);
    }

    /**
     * The layout of a log of {@code partitions} partitions.
     *
     * @throws IllegalArgumentException if {@code partitions} is not in 1..{@link Partitions#MAX}
     */
    public Keys(String keyPrefix, int partitions) {
        this.keyPrefix = keyPrefix;
        this.partitions = Partitions.check(partitions);
        this.prefixes = new String[partitions];
        this.prefixBytes = new byte[partitions][];
        this.logs = new byte[partitions][];
        for (int p = 0; p < partitions; p++) {
            prefixes[p] = "{" + tag(keyPrefix, p, partitions) + "}:";
            prefixBytes[p] = bytes(prefixes[p]);
            logs[p] = bytes(prefixes[p] + "log");
        }
    }

    /**
     * The hash tag of partition {@code p}: {@code keyPrefix} when there is one partition, else
     * {@code keyPrefix.p.n} with the smallest {@code n} whose slot lies in the p-th of {@code
     * partitions} equal slot ranges (with more partitions than slots per range, ranges repeat).
     */
    static String tag(String keyPrefix, int p, int partitions) {
        if (partitions == 1) {
            return keyPrefix;
        }
        int from = (int) ((long) p * SLOTS / partitions);
        int to = Math.max(from + 1, (int) ((long) (p + 1) * SLOTS / partitions));
        for (int n = 0; ; n++) {
            String tag = keyPrefix + "." + p + "." + n;
            int slot = slot(tag);
            if (slot >= from && slot < to) {
                return tag;
            }
        }
    }

    /** The Redis Cluster slot of a key (or tag): CRC16 (XMODEM) of its hash tag, modulo 16,384. */
    public static int slot(String key) {
        byte[] b = bytes(key);
        int start = 0;
        int end = b.length;
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                start = bytes(key.substring(0, open + 1)).length;
                end = bytes(key.substring(0, close)).length;
            }
        }
        int crc = 0;
        for (int i = start; i < end; i++) {
            crc ^= (b[i] & 0xff) << 8;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            crc &= 0xffff;
        }
        return crc % SLOTS;
    }

    /** The number of partitions of the log. */
    public int partitions() {
        return partitions;
    }

    /** The partition of a session's keys (and of the entries that target it). */
    public int sessionPartition(String id) {
        return Partitions.of(id, partitions);
    }

    /** The partition of a room's keys (and of its messages, joins, leaves and presence entries). */
    public int roomPartition(String room) {
        return Partitions.of(room, partitions);
    }

    /** The partition of an application key/value or rate-limit key. */
    public int keyPartition(String key) {
        return Partitions.of(key, partitions);
    }

    /** Partition 0's prefix, {@code {prefix}:} with one partition. */
    public byte[] prefix() {
        return prefix(0);
    }

    /** Partition {@code p}'s prefix, {@code {tag}:}, handed to a script on that partition as {@code ARGV[1]}. */
    public byte[] prefix(int p) {
        return prefixBytes[p].clone();
    }

    public String prefixString() {
        return prefixes[0];
    }

    public String prefixString(int p) {
        return prefixes[p];
    }

    /** The key holding the partition count the data was written with: {@code {keyPrefix}:meta}. */
    public byte[] meta() {
        return bytes("{" + keyPrefix + "}:meta");
    }

    /** Partition 0's log. */
    public byte[] log() {
        return log(0);
    }

    /** Partition {@code p}'s log stream (also the key a script on that partition declares, for routing). */
    public byte[] log(int p) {
        return logs[p].clone();
    }

    /** Partition {@code p}'s expiry index. */
    public byte[] expiry(int p) {
        return key(p, "exp");
    }

    public byte[] expiry() {
        return expiry(0);
    }

    public byte[] session(String id) {
        return key(sessionPartition(id), "s:" + id);
    }

    public byte[] sessionData(String id) {
        return key(sessionPartition(id), "sd:" + id);
    }

    public byte[] sessionRooms(String id) {
        return key(sessionPartition(id), "sr:" + id);
    }

    public byte[] room(String room) {
        return key(roomPartition(room), "r:" + room);
    }

    public byte[] kv(String key) {
        return key(keyPartition(key), "kv:" + key);
    }

    public byte[] rateLimit(String key) {
        return key(keyPartition(key), "rl:" + key);
    }

    /** Sorted set of partition {@code p}'s live presence sessions, scored by their liveness deadline. */
    public byte[] presenceLive(int p) {
        return key(p, "plive");
    }

    public byte[] presenceLive() {
        return presenceLive(0);
    }

    /** Hash user → live session count of a room's presence (HLEN: users present). */
    public byte[] presenceUsers(String room) {
        return key(roomPartition(room), "pru:" + room);
    }

    /** Sorted set of partition {@code p}'s users due to go offline, scored by when. */
    public byte[] presenceOffline(int p) {
        return key(p, "poff");
    }

    public byte[] presenceOffline() {
        return presenceOffline(0);
    }

    /** The partition of a presence user's keys (with more than one partition). */
    public int userPartition(String user) {
        return Partitions.of(user, partitions);
    }

    /**
     * With more than one partition, the set of a user's live presence sessions, in the user's
     * partition (with one, {@code {prefix}:pul} counts them per user).
     */
    public byte[] presenceUserSessions(String user) {
        return key(userPartition(user), "pus:" + user);
    }

    /**
     * With more than one partition, the hash live session id → user of the sessions counted in a
     * room's presence, in the room's partition.
     */
    public byte[] presenceRoomSessions(String room) {
        return key(roomPartition(room), "prm:" + room);
    }

    /** The pub/sub channel of volatile entries (one for every partition). */
    public byte[] volatileChannel() {
        return key(0, "volatile");
    }

    private byte[] key(int p, String suffix) {
        return bytes(prefixes[p] + suffix);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
