-- Session side of presenceUpdate over several partitions (RedisPresence; one partition runs
-- presence_update.lua). ARGV[4] = id, [5] = room, [6] = state.
-- Returns {7} NO_SESSION, {4} NOT_TRACKED (nothing changed), {2} UNCHANGED (not live: the state is
-- remembered for when it comes back), or {1, user}: the room side goes on.
local id, room = ARGV[4], ARGV[5]
if redis.call('EXISTS', P .. 's:' .. id) == 0 then
  return {7}
end
local pr = P .. 'pr:' .. id
if redis.call('HEXISTS', pr, room) == 0 then
  return {4}
end
redis.call('HSET', pr, room, ARGV[6])
if not redis.call('ZSCORE', PLIVE, id) then
  return {2}
end
return {1, redis.call('GET', P .. 'pu:' .. id)}
