-- ARGV[4] = id, [5] = room, [6] = max rooms, [7] = entry.
-- Returns {0, position} CHANGED, {1} UNCHANGED, {2} LIMIT_REACHED, {3} NO_SESSION.
local id, room = ARGV[4], ARGV[5]
local s = P .. 's:' .. id
local ttl = redis.call('PTTL', s)
if ttl == -2 then
  return {3}
end
local sr = P .. 'sr:' .. id
if redis.call('SISMEMBER', sr, room) == 1 then
  return {1}
end
if redis.call('SCARD', sr) >= tonumber(ARGV[6]) then
  return {2}
end
local r = P .. 'r:' .. room
redis.call('SADD', sr, room)
redis.call('SADD', r, id)
if ttl > 0 then
  redis.call('PEXPIRE', sr, ttl)
  extend(r, ttl)
end
local n = append(ARGV[7])
redis.call('HSET', s, 'v', str(n))
return {0, n}
