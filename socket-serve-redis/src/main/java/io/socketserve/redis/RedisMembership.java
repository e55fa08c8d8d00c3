package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.bytes;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.JoinResult;
import io.socketserve.spi.MembershipSnapshot;
import io.socketserve.spi.MembershipStore;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The {@link MembershipStore} of {@link RedisBackend}: a set of rooms per session and a set of
 * members per room; join, leave and the snapshot with its version are scripts, the room reads are
 * plain commands.
 */
final class RedisMembership implements MembershipStore {

    private final RedisCalls calls;
    private final Keys keys;

    RedisMembership(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
    }

    @Override
    public CompletionStage<JoinResult> join(String id, String room, int maxRooms, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        return calls.script(
                Script.JOIN, this::joinResult, bytes(id), bytes(room), bytes(Integer.toString(maxRooms)), entry);
    }

    @Override
    public CompletionStage<JoinResult> leave(String id, String room, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        return calls.script(Script.LEAVE, this::joinResult, bytes(id), bytes(room), entry);
    }

    private JoinResult joinResult(Object r) {
        List<Object> reply = Replies.list(r);
        switch ((int) Replies.number(reply.get(0))) {
            case 0:
                return JoinResult.changed(calls.seen(Replies.number(reply.get(1))));
            case 1:
                return JoinResult.of(JoinResult.Status.UNCHANGED);
            case 2:
                return JoinResult.of(JoinResult.Status.LIMIT_REACHED);
            default:
                return JoinResult.of(JoinResult.Status.NO_SESSION);
        }
    }

    @Override
    public CompletionStage<MembershipSnapshot> membership(String id) {
        return calls.script(
                Script.MEMBERSHIP,
                r -> {
                    List<Object> reply = Replies.list(r);
                    if (Replies.number(reply.get(0)) == 0) {
                        return MembershipSnapshot.missing();
                    }
                    return new MembershipSnapshot(
                            true, Replies.strings(Replies.list(reply.get(2))), Replies.number(reply.get(1)));
                },
                bytes(id));
    }

    @Override
    public CompletionStage<Set<String>> roomMembers(String room) {
        return calls.call(() -> calls.commands().smembers(keys.room(room)), Replies::strings);
    }

    @Override
    public CompletionStage<Long> roomSize(String room) {
        return calls.call(() -> calls.commands().scard(keys.room(room)), r -> r);
    }
}
