-- Session side of presenceEnter over several partitions (RedisPresence; one partition runs
-- presence_enter.lua): the checks, the liveness deadline, the user and the tracked room.
-- ARGV[4] = id, [5] = room, [6] = user, [7] = state, [8] = live until (ms).
-- Returns {2, ttl} when the user and room sides go on (ttl: the session's, for their safety TTLs),
-- else {5} USER_MISMATCH, {7} NO_SESSION, {8} LAPSED (nothing changed).
local id, room, user, state = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local live_until = tonumber(ARGV[8])
local ttl = redis.call('PTTL', P .. 's:' .. id)
if ttl == -2 then
  return {7}
end
local pu, pr = P .. 'pu:' .. id, P .. 'pr:' .. id
local current = redis.call('GET', pu)
if current and current ~= user then
  return {5}
end
local score = redis.call('ZSCORE', PLIVE, id)
if not score then
  if redis.call('HLEN', pr) > 0 then
    return {8}
  end
  redis.call('ZADD', PLIVE, live_until, id)
elseif tonumber(score) < live_until then
  redis.call('ZADD', PLIVE, live_until, id)
end
if not current then
  redis.call('SET', pu, user)
end
redis.call('HSET', pr, room, state)
if ttl > 0 then
  redis.call('PEXPIRE', pu, ttl)
  redis.call('PEXPIRE', pr, ttl)
  extend(PLIVE, ttl)
end
return {2, ttl}
