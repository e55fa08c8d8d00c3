-- Partitioned log only: the second step of a leave that removed the session from the room's
-- members, on the session's partition. ARGV[4] = id, [5] = room. Removes the room from the
-- session's rooms (counting up 'sv', see join_session.lua). Returns 0.
local s = P .. 's:' .. ARGV[4]
if redis.call('SREM', P .. 'sr:' .. ARGV[4], ARGV[5]) == 1 and redis.call('EXISTS', s) == 1 then
  redis.call('HINCRBY', s, 'sv', 1)
end
return 0
