-- Partitioned log only: the second step of a join, on the room's partition.
-- ARGV[4] = id, [5] = room, [6] = safety TTL for the member set (ms, -1: none), [7] = entry.
-- Returns {0, position} added (the entry appended to this partition), {1} a member already.
local r = P .. 'r:' .. ARGV[5]
if redis.call('SADD', r, ARGV[4]) == 0 then
  return {1}
end
local ttl = tonumber(ARGV[6])
if ttl > 0 then
  extend(r, ttl)
end
return {0, append(ARGV[7])}
