package io.socketserve.spi;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The backend part that keeps the ordered message log and fans it out to every instance.
 *
 * <h2>What it stores</h2>
 *
 * <p>A single totally ordered sequence of opaque entries (the engine encodes them; a backend stores
 * and returns the bytes unchanged). Each append is given a <em>position</em>: a {@code long}
 * greater than every earlier position (positions start at 1; 0 means "before everything").
 * Positions are contiguous: an append takes the position right after the head. A jump means entries
 * were lost, and the engine tells every client that may have needed them ({@code __missed}); that is
 * how a store that lost entries (a failover to a replica that lacked the newest, a restart without
 * persistence) must continue: above every position it handed out, never reusing one, so that nothing
 * is skipped or delivered twice silently. The log is trimmed from its oldest end by the {@link
 * LogRetention} given to {@link Backend#start(LogRetention)}: it keeps at least the last {@code
 * maxEntries} entries (it may keep somewhat more) <em>except</em> those beyond {@code maxBytes} (the
 * sum of the entries' lengths, newest first) or older than {@code maxAge}, which it trims; it always
 * keeps the newest entry. A byte or age bound may trim far more than the count bound
 * would (a few large entries push out many small ones): that is the point, the store's memory stays
 * bounded whatever clients send. Reads report the oldest position still kept so that the engine can
 * tell a client it missed messages ({@code __missed}) instead of skipping them silently; a
 * subscriber the trimming overtook gets {@link LogListener#onGap}. Beside the log,
 * {@link #publishVolatile} hands entries to every subscriber without storing them.
 *
 * <h2>Partitions</h2>
 *
 * <p>A store may split the log into {@link #partitions()} partitions (issue 15), fixed for a
 * deployment. Each partition is a log as described above, with its own positions (contiguous, from
 * 1), retention and gaps; there is no order across partitions. Which partition an entry goes to is
 * decided by {@link Partitions#of}, by the engine for the entries it appends and by the store for
 * the entries the other parts append (a {@code Join} goes to its room's partition, a removal to its
 * session's). A store with one partition (the default) implements only the methods without a
 * partition argument; the partition-aware methods delegate to them. A store with more partitions
 * implements the partition-aware methods; its methods without a partition argument act on
 * partition 0, except {@link #subscribe(long, LogListener)}, which it may reject (a subscriber of a
 * partitioned log names a position per partition: {@link #subscribe(long[], LogListener)}).
 *
 * <h2>Atomicity</h2>
 *
 * <p>Every append takes one position, and positions strictly increase across <em>every</em> kind of
 * append, including the ones other parts make: {@link SessionStore#removeSession}, {@link
 * MembershipStore#join}, the presence operations and the batched operations append their entry to
 * this log in the same atomic step as their own change. That is why the log is the part the others
 * share: in a backend built part by part, they append through the same store (the same lock, the
 * same Redis script) as {@link #append}, never through a second call.
 *
 * <h2>What the engine relies on</h2>
 *
 * <ul>
 *   <li>Calls made from one thread take effect in that order: a {@code join} followed by a broadcast
 *       from the same handler is appended in that order.
 *   <li>{@link #subscribe} delivers every record once, in position order, one call at a time,
 *       reports {@link LogListener#onGap} when the log was trimmed past the subscriber, reports
 *       {@link LogListener#onAvailability}, and resumes after the last delivered position when the
 *       store comes back. Every instance reads the whole log this way (the {@code Dispatcher}).
 *   <li>{@link #head} and {@link #read} answer replays (resume, polls); {@link #readBefore} answers
 *       room history.
 *   <li>No method blocks beyond enqueueing; an unreachable store fails the stage with {@link
 *       BackendUnavailableException}.
 * </ul>
 *
 * <p>Test an implementation with {@code LogStoreContract} from the core test jar.
 *
 * @since 0.2
 */
public interface LogStore {

    /**
     * The number of partitions of the log, 1 to {@link Partitions#MAX}; fixed for the life of the
     * store (and of a deployment: the stored data depends on it).
     *
     * @since 0.7
     */
    default int partitions() {
        return 1;
    }

    /**
     * Appends one entry to {@code partition}; completes with its position in that partition. The
     * default (a single-partition store) appends with {@link #append(byte[])}.
     *
     * @throws IllegalArgumentException if the store has no such partition
     * @since 0.7
     */
    default CompletionStage<Long> append(int partition, byte[] entry) {
        checkPartition(partition);
        return append(entry);
    }

    /**
     * {@link #read(long, int)} of one partition; the slice's positions are that partition's.
     *
     * @since 0.7
     */
    default CompletionStage<LogSlice> read(int partition, long afterPosition, int max) {
        checkPartition(partition);
        return read(afterPosition, max);
    }

    /**
     * The position of the newest entry of {@code partition} (0 if it is empty).
     *
     * @since 0.7
     */
    default CompletionStage<Long> head(int partition) {
        checkPartition(partition);
        return head();
    }

    /**
     * {@link #readBefore(long, int)} of one partition.
     *
     * @since 0.7
     */
    default CompletionStage<LogSlice> readBefore(int partition, long beforePosition, int max) {
        checkPartition(partition);
        return readBefore(beforePosition, max);
    }

    /**
     * The heads of every partition, as one position. The default reads {@link #head(int)} of each;
     * a store that can read them in one step overrides it.
     *
     * @since 0.7
     */
    default CompletionStage<LogPosition> heads() {
        int n = partitions();
        if (n == 1) {
            return head(0).thenApply(LogPosition::of);
        }
        long[] heads = new long[n];
        CompletableFuture<?>[] all = new CompletableFuture<?>[n];
        for (int p = 0; p < n; p++) {
            int partition = p;
            all[p] = head(p).thenAccept(h -> heads[partition] = h).toCompletableFuture();
        }
        return CompletableFuture.allOf(all).thenApply(v -> LogPosition.of(heads));
    }

    /**
     * Streams every partition: the entries of partition {@code p} after {@code afterPositions[p]},
     * and every later append, to {@code listener}, serially, each partition in order (partitions
     * interleaved in any way). Gaps are reported per partition ({@link LogListener#onGap(int, long,
     * long)}). The default (a single-partition store) calls {@link #subscribe(long, LogListener)}.
     *
     * @param afterPositions one position per partition
     * @since 0.7
     */
    default LogSubscription subscribe(long[] afterPositions, LogListener listener) {
        if (afterPositions.length != partitions()) {
            throw new IllegalArgumentException(
                    afterPositions.length + " positions for " + partitions() + " partitions");
        }
        if (partitions() != 1) {
            throw new UnsupportedOperationException("a partitioned store must implement subscribe(long[], …)");
        }
        return subscribe(afterPositions[0], listener);
    }

    /** Fails unless {@code partition} is one of this store's; for the defaults of a single-partition store. */
    private void checkPartition(int partition) {
        if (partition < 0 || partition >= partitions()) {
            throw new IllegalArgumentException("no partition " + partition + " (the log has " + partitions() + ")");
        }
        if (partitions() != 1) {
            throw new UnsupportedOperationException("a partitioned store must implement the partition-aware methods");
        }
    }

    /** Appends one entry; completes with its position. */
    CompletionStage<Long> append(byte[] entry);

    /**
     * Reads up to {@code max} entries with positions greater than {@code afterPosition}, in order.
     */
    CompletionStage<LogSlice> read(long afterPosition, int max);

    /** The position of the newest entry (0 if the log is empty). */
    CompletionStage<Long> head();

    /**
     * Reads backwards: the newest entries with positions less than {@code beforePosition}, at most
     * {@code max} of them, returned in log order (oldest first), with the oldest position the log
     * still keeps and the head, as {@link #read} reports them. To walk the log from the head towards
     * its start, pass {@code head + 1}, then each time the first position of the previous answer; the
     * start is reached when an answer holds fewer than {@code max} records or begins at {@link
     * LogSlice#oldestPosition()}. The engine uses it for room history ({@code
     * Namespace#history}), and bounds how far it walks.
     *
     * <p>The default walks the log <em>forwards</em> from its oldest entry with {@link #read}, in
     * chunks, keeping the last {@code max} records: correct for any backend, but it reads the whole
     * retained log (up to its {@link LogRetention}) on every call. A backend that can read backwards in
     * one step (the in-memory ring, a Redis Stream with {@code XREVRANGE … COUNT}) overrides it.
     *
     * @throws IllegalArgumentException if {@code max < 1}
     * @since 0.1
     */
    default CompletionStage<LogSlice> readBefore(long beforePosition, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        CompletableFuture<LogSlice> result = new CompletableFuture<>();
        readForward(this, 0, beforePosition, max, new ArrayDeque<>(Math.min(max, 1024)), -1, result);
        return result;
    }

    /** One chunk of the default {@link #readBefore}: reads after {@code after}, keeps the last {@code max}. */
    private static void readForward(
            LogStore log,
            long after,
            long before,
            int max,
            ArrayDeque<LogRecord> last,
            long oldest,
            CompletableFuture<LogSlice> result) {
        int chunk = 1024;
        log.read(after, chunk).whenComplete((slice, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
                return;
            }
            long first = oldest < 0 ? slice.oldestPosition() : oldest;
            List<LogRecord> records = slice.records();
            for (LogRecord r : records) {
                if (r.position() >= before) {
                    result.complete(new LogSlice(List.copyOf(last), first, slice.head()));
                    return;
                }
                if (last.size() == max) {
                    last.removeFirst();
                }
                last.addLast(r);
            }
            if (records.isEmpty() || records.get(records.size() - 1).position() >= slice.head()) {
                result.complete(new LogSlice(List.copyOf(last), first, slice.head()));
                return;
            }
            readForward(log, records.get(records.size() - 1).position(), before, max, last, first, result);
        });
    }

    /**
     * Streams every entry with a position greater than {@code afterPosition}, and every later append,
     * to {@code listener}, in log order, serially (never two calls at once). Keeps trying while the
     * store is unreachable and resumes from the last delivered position when it is back.
     */
    LogSubscription subscribe(long afterPosition, LogListener listener);

    /**
     * Hands a volatile entry to every subscriber of every instance on this store ({@link
     * LogListener#onVolatile}), including this one. Volatile entries are not appended to the log, get
     * no position and are never read back: a subscriber that is not connected when one is published
     * never sees it. Completes when the store accepted it.
     */
    CompletionStage<Void> publishVolatile(byte[] entry);
}
