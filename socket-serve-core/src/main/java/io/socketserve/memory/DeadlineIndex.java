package io.socketserve.memory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Ids ordered by a deadline, for the sweeps of {@link InMemoryBackend} (expired sessions, lapsed
 * presence, users due offline): {@link #due} costs O(answer · log n) instead of a scan of every id.
 * An id has at most one deadline; {@link #set} moves it. Ids with the same deadline come out in the
 * order they got it. Not thread-safe: the owner guards it with the backend's lock (issue 13).
 */
final class DeadlineIndex {

    private final Map<String, Long> deadlines = new HashMap<>();
    private final TreeMap<Long, Set<String>> byDeadline = new TreeMap<>();

    /** Gives the id this deadline, replacing any it had. */
    void set(String id, long deadline) {
        Long old = deadlines.put(id, deadline);
        if (old != null) {
            if (old == deadline) {
                return;
            }
            unlink(old, id);
        }
        byDeadline.computeIfAbsent(deadline, d -> new LinkedHashSet<>()).add(id);
    }

    /** Forgets the id; returns whether it had a deadline. */
    boolean remove(String id) {
        Long old = deadlines.remove(id);
        if (old == null) {
            return false;
        }
        unlink(old, id);
        return true;
    }

    /** The id's deadline, or {@code missing} when it has none. */
    long deadline(String id, long missing) {
        Long d = deadlines.get(id);
        return d == null ? missing : d;
    }

    /** Up to {@code max} ids whose deadline is at or before {@code now}, earliest first; keeps them. */
    List<String> due(long now, int max) {
        return collect(now, max, false);
    }

    /** Like {@link #due}, and removes the ids it returns. */
    List<String> takeDue(long now, int max) {
        return collect(now, max, true);
    }

    int size() {
        return deadlines.size();
    }

    private List<String> collect(long now, int max, boolean take) {
        List<String> out = new ArrayList<>();
        if (max <= 0) {
            return out;
        }
        Iterator<Map.Entry<Long, Set<String>>> buckets =
                byDeadline.headMap(now, true).entrySet().iterator();
        while (buckets.hasNext() && out.size() < max) {
            Set<String> ids = buckets.next().getValue();
            for (Iterator<String> it = ids.iterator(); it.hasNext() && out.size() < max; ) {
                String id = it.next();
                out.add(id);
                if (take) {
                    it.remove();
                    deadlines.remove(id);
                }
            }
            if (ids.isEmpty()) {
                buckets.remove();
            }
        }
        return out;
    }

    private void unlink(long deadline, String id) {
        Set<String> ids = byDeadline.get(deadline);
        if (ids != null && ids.remove(id) && ids.isEmpty()) {
            byDeadline.remove(deadline);
        }
    }
}
