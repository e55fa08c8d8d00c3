-- Partitioned log only: the first step of a leave, on the room's partition (leave_session.lua on the
-- session's partition follows). ARGV[4] = id, [5] = room, [6] = entry.
-- Returns {0, position} removed (the entry appended to this partition), {1} not a member.
if redis.call('SREM', P .. 'r:' .. ARGV[5], ARGV[4]) == 0 then
  return {1}
end
return {0, append(ARGV[6])}
