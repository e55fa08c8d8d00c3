package io.socketserve.redis.internal;

import java.nio.charset.StandardCharsets;

/**
 * The key layout (documented in {@code docs/scaling.md}). Every key starts with {@code {prefix}:},
 * so all keys of one application hash to one Redis Cluster slot and a script may touch any of them.
 * The Lua scripts build the same names from {@link #prefix()}.
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
 * </pre>
 */
public final class Keys {

    private final String prefix;
    private final byte[] prefixBytes;

    public Keys(String keyPrefix) {
        this.prefix = "{" + keyPrefix + "}:";
        this.prefixBytes = bytes(prefix);
    }

    /** {@code {prefix}:}, handed to every script as {@code ARGV[1]}. */
    public byte[] prefix() {
        return prefixBytes.clone();
    }

    public String prefixString() {
        return prefix;
    }

    public byte[] log() {
        return key("log");
    }

    public byte[] expiry() {
        return key("exp");
    }

    public byte[] session(String id) {
        return key("s:" + id);
    }

    public byte[] sessionData(String id) {
        return key("sd:" + id);
    }

    public byte[] room(String room) {
        return key("r:" + room);
    }

    public byte[] kv(String key) {
        return key("kv:" + key);
    }

    public byte[] rateLimit(String key) {
        return key("rl:" + key);
    }

    /** Sorted set of live presence sessions, scored by their liveness deadline. */
    public byte[] presenceLive() {
        return key("plive");
    }

    /** Hash user → live session count of a room's presence (HLEN: users present). */
    public byte[] presenceUsers(String room) {
        return key("pru:" + room);
    }

    /** Sorted set of users due to go offline, scored by when. */
    public byte[] presenceOffline() {
        return key("poff");
    }

    /** The pub/sub channel of volatile entries. */
    public byte[] volatileChannel() {
        return key("volatile");
    }

    private byte[] key(String suffix) {
        return bytes(prefix + suffix);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
