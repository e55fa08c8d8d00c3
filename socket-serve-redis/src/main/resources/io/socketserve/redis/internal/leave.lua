-- ARGV[4] = id, [5] = room, [6] = entry.
-- Returns {0, position} CHANGED, {1} UNCHANGED, {3} NO_SESSION.
local id, room = ARGV[4], ARGV[5]
local s = P .. 's:' .. id
if redis.call('EXISTS', s) == 0 then
  return {3}
end
if redis.call('SREM', P .. 'sr:' .. id, room) == 0 then
  return {1}
end
redis.call('SREM', P .. 'r:' .. room, id) -- Redis deletes a set when its last member goes
local n = append(ARGV[6])
redis.call('HSET', s, 'v', str(n))
return {0, n}
