package io.socketserve.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The default implementations of {@link BatchOperations}: correct compositions of the single-session
 * operations of {@link SessionStore} and {@link MembershipStore}, one store call per session (per
 * room), for backends that do not override them. Every call is issued from one thread in order,
 * which the {@link Backend} contract makes take effect in that order; none of this is atomic as a
 * whole, but each step is.
 */
final class BatchDefaults {

    private BatchDefaults() {}

    /** The selected ids (at most {@code selection.max()}) and whether more matched. */
    record Selected(List<String> ids, boolean truncated) {}

    static CompletionStage<Selected> select(BatchOperations backend, Selection selection) {
        CompletionStage<List<String>> candidates;
        if (selection.rooms().isEmpty()) {
            // Every session: those whose expiry is at or before the end of time.
            candidates = backend.expiredSessions(Long.MAX_VALUE, Integer.MAX_VALUE);
        } else {
            candidates = union(backend, selection, selection.rooms());
        }
        CompletionStage<Set<String>> excluded = union(backend, selection, selection.exceptRooms())
                .thenApply(ids -> {
                    Set<String> out = new HashSet<>(ids);
                    out.addAll(selection.exceptIds());
                    return out;
                });
        return candidates
                .thenCombine(excluded, (ids, except) -> {
                    List<String> out = new ArrayList<>();
                    for (String id : new LinkedHashSet<>(ids)) {
                        if (!except.contains(id)) {
                            out.add(id);
                        }
                    }
                    return out;
                })
                .thenCompose(ids -> {
                    List<CompletableFuture<@Nullable SessionRecord>> records = new ArrayList<>(ids.size());
                    for (String id : ids) {
                        records.add(backend.findSession(id).toCompletableFuture());
                    }
                    return allOf(records).thenApply(v -> {
                        List<String> out = new ArrayList<>();
                        for (int i = 0; i < ids.size(); i++) {
                            SessionRecord r = records.get(i).join();
                            if (r != null && r.namespace().equals(selection.namespace())) {
                                if (out.size() == selection.max()) {
                                    return new Selected(out, true);
                                }
                                out.add(ids.get(i));
                            }
                        }
                        return new Selected(out, false);
                    });
                });
    }

    /** Members of the rooms and the ids the room keys name, in order, without checking either. */
    private static CompletionStage<List<String>> union(
            BatchOperations backend, Selection selection, List<String> rooms) {
        List<CompletableFuture<Set<String>>> members = new ArrayList<>(rooms.size());
        for (String room : rooms) {
            members.add(backend.roomMembers(room).toCompletableFuture());
        }
        return allOf(members).thenApply(v -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < rooms.size(); i++) {
                String id = selection.idOf(rooms.get(i));
                if (id != null) {
                    out.add(id);
                }
                out.addAll(members.get(i).join());
            }
            return out;
        });
    }

    static CompletionStage<List<SessionSnapshot>> snapshots(BatchOperations backend, Collection<String> ids) {
        List<String> all = List.copyOf(new LinkedHashSet<>(ids));
        List<CompletableFuture<@Nullable SessionRecord>> records = new ArrayList<>(all.size());
        List<CompletableFuture<MembershipSnapshot>> rooms = new ArrayList<>(all.size());
        List<CompletableFuture<java.util.Map<String, String>>> data = new ArrayList<>(all.size());
        for (String id : all) {
            records.add(backend.findSession(id).toCompletableFuture());
            rooms.add(backend.membership(id).toCompletableFuture());
            data.add(backend.getAllData(id).toCompletableFuture());
        }
        List<CompletableFuture<?>> every = new ArrayList<>(records);
        every.addAll(rooms);
        every.addAll(data);
        return allOf(every).thenApply(v -> {
            List<SessionSnapshot> out = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                SessionRecord r = records.get(i).join();
                MembershipSnapshot m = rooms.get(i).join();
                if (r != null && m.exists()) {
                    out.add(new SessionSnapshot(r, m.rooms(), data.get(i).join()));
                }
            }
            return out;
        });
    }

    static CompletionStage<MembershipBatchResult> change(
            BatchOperations backend,
            Selection selection,
            List<String> rooms,
            int maxRooms,
            boolean join,
            byte[] entryPrefix) {
        List<String> distinctRooms = List.copyOf(new LinkedHashSet<>(rooms));
        return select(backend, selection).thenCompose(selected -> {
            List<MembershipChange> attempted = new ArrayList<>();
            List<CompletableFuture<JoinResult>> results = new ArrayList<>();
            for (String id : selected.ids()) {
                for (String room : distinctRooms) {
                    MembershipChange c = new MembershipChange(id, room, join);
                    byte[] entry = BatchEntries.membership(entryPrefix, List.of(c));
                    attempted.add(c);
                    results.add((join ? backend.join(id, room, maxRooms, entry) : backend.leave(id, room, entry))
                            .toCompletableFuture());
                }
            }
            return allOf(results).thenApply(v -> {
                List<MembershipChange> changes = new ArrayList<>();
                Set<String> skipped = new LinkedHashSet<>();
                long position = 0;
                for (int i = 0; i < attempted.size(); i++) {
                    JoinResult r = results.get(i).join();
                    if (r.status() == JoinResult.Status.CHANGED) {
                        changes.add(attempted.get(i));
                        position = Math.max(position, r.position());
                    } else if (r.status() == JoinResult.Status.LIMIT_REACHED) {
                        skipped.add(attempted.get(i).session());
                    }
                }
                return new MembershipBatchResult(changes, List.copyOf(skipped), position, selected.truncated());
            });
        });
    }

    static CompletionStage<RemovalBatchResult> remove(
            BatchOperations backend, Selection selection, byte[] entryPrefix, String reason) {
        return select(backend, selection).thenCompose(selected -> {
            List<CompletableFuture<@Nullable RemovedSession>> results = new ArrayList<>();
            for (String id : selected.ids()) {
                results.add(backend.removeSession(id, BatchEntries.removal(entryPrefix, List.of(id), reason))
                        .toCompletableFuture());
            }
            return allOf(results).thenApply(v -> {
                List<RemovedSession> removed = new ArrayList<>();
                long position = 0;
                for (CompletableFuture<@Nullable RemovedSession> f : results) {
                    RemovedSession r = f.join();
                    if (r != null) {
                        removed.add(r);
                        position = Math.max(position, r.position());
                    }
                }
                return new RemovalBatchResult(removed, position, selected.truncated());
            });
        });
    }

    private static CompletableFuture<Void> allOf(List<? extends CompletableFuture<?>> futures) {
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
    }
}
