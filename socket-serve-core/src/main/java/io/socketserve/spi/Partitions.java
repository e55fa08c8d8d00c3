package io.socketserve.spi;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * Which partition of a partitioned log ({@link LogStore#partitions()}) an entry belongs to. The
 * engine and every backend route with this one function, so that an entry a backend appends itself
 * (a {@code Join}, a removal) lands in the same partition as the engine's messages for the same room
 * or session.
 *
 * <table>
 *   <caption>Routing keys</caption>
 *   <tr><th>entry</th><th>key</th></tr>
 *   <tr><td>message to one or more rooms</td><td>the (first) room key</td></tr>
 *   <tr><td>message to one session, {@code __ack} frames, ack replies, {@code Disconnect}</td>
 *       <td>the session id</td></tr>
 *   <tr><td>message to a whole namespace</td><td>the namespace name</td></tr>
 *   <tr><td>{@code Join}, {@code Leave}, presence entries</td><td>the room key</td></tr>
 *   <tr><td>membership batches</td><td>the room key of each change (split per partition)</td></tr>
 *   <tr><td>removal batches</td><td>each session id (split per partition)</td></tr>
 * </table>
 *
 * <p>The hash is CRC-32 of the key's UTF-8 bytes, taken modulo the partition count. It is part of
 * the stored format: changing it would move rooms between partitions of a running deployment.
 *
 * @since 0.7
 */
public final class Partitions {

    /** The largest partition count a log may have. */
    public static final int MAX = 1024;

    private Partitions() {}

    /**
     * The partition of {@code key} among {@code partitions}: 0 when there is only one (no hashing),
     * else CRC-32 of the UTF-8 bytes of {@code key}, modulo {@code partitions}.
     *
     * @throws IllegalArgumentException if {@code partitions} is not in 1..{@link #MAX}
     */
    public static int of(String key, int partitions) {
        Objects.requireNonNull(key, "key == null");
        check(partitions);
        if (partitions == 1) {
            return 0;
        }
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % partitions);
    }

    /**
     * Checks a partition count.
     *
     * @return {@code partitions}
     * @throws IllegalArgumentException if it is not in 1..{@link #MAX}
     */
    public static int check(int partitions) {
        if (partitions < 1 || partitions > MAX) {
            throw new IllegalArgumentException("partitions must be 1.." + MAX + ": " + partitions);
        }
        return partitions;
    }
}
