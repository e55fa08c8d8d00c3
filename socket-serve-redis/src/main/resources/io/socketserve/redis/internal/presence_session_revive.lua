-- Session side of presenceRevive over several partitions (RedisPresence; one partition runs
-- presence_revive.lua), before and after the user and room sides. ARGV[4] = 'check' or 'commit',
-- [5] = id, [6] = live until (ms), [7..] = the rooms of the caller's join entries.
-- Both answer {7} NO_SESSION, {4} NOT_TRACKED, {6} RETRY (the tracked rooms differ) with nothing
-- changed, and {2} when the session is live already (its deadline moved on).
-- check: else {0, user, ttl, room/state pairs}: the user and room sides go on.
-- commit: else {0}: the session is live.
local id = ARGV[5]
local live_until = tonumber(ARGV[6])
if redis.call('EXISTS', P .. 's:' .. id) == 0 then
  return {7}
end
local user = redis.call('GET', P .. 'pu:' .. id)
if not user then
  return {4}
end
local score = redis.call('ZSCORE', PLIVE, id)
if score then
  if tonumber(score) < live_until then
    redis.call('ZADD', PLIVE, live_until, id)
  end
  return {2}
end
local pr = P .. 'pr:' .. id
local given, n = room_set(7)
if not same_rooms(redis.call('HKEYS', pr), given, n) then
  return {6}
end
if ARGV[4] == 'commit' then
  redis.call('ZADD', PLIVE, live_until, id)
  return {0}
end
return {0, user, redis.call('PTTL', P .. 's:' .. id), redis.call('HGETALL', pr)}
