-- Session side of presenceLeave over several partitions (RedisPresence; one partition runs
-- presence_leave.lua), before and after the room side. ARGV[4] = 'check' or 'commit', [5] = id,
-- [6] = room.
-- check: {7} NO_SESSION, {4} NOT_TRACKED (nothing changed), else {2}.
-- commit: stops tracking the session in the room: {2}, or {4} if it was not tracked there any more.
local id, room = ARGV[5], ARGV[6]
local pr = P .. 'pr:' .. id
if ARGV[4] == 'commit' then
  return {redis.call('HDEL', pr, room) == 1 and 2 or 4}
end
if redis.call('EXISTS', P .. 's:' .. id) == 0 then
  return {7}
end
if redis.call('HEXISTS', pr, room) == 0 then
  return {4}
end
return {2}
