-- Partitioned log only: the first step of a join, on the session's partition (join_room.lua on the
-- room's partition follows). ARGV[4] = id, [5] = room, [6] = max rooms.
-- Returns {0, ttl} added to the session's rooms, {1, ttl} in them already (the room side may still
-- lack it: an earlier join that failed between its two steps), {2} LIMIT_REACHED, {3} NO_SESSION.
-- ttl = the session record's PTTL (-1: none). Every change of sr:<id> counts up the record's field
-- 'sv', which membership reads to detect changes while it reads the room sides.
local id, room = ARGV[4], ARGV[5]
local s = P .. 's:' .. id
local ttl = redis.call('PTTL', s)
if ttl == -2 then
  return {3}
end
local sr = P .. 'sr:' .. id
if redis.call('SISMEMBER', sr, room) == 1 then
  return {1, ttl}
end
if redis.call('SCARD', sr) >= tonumber(ARGV[6]) then
  return {2}
end
redis.call('SADD', sr, room)
redis.call('HINCRBY', s, 'sv', 1)
if ttl > 0 then
  redis.call('PEXPIRE', sr, ttl)
end
return {0, ttl}
