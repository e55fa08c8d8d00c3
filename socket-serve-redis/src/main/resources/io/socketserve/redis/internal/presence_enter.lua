-- ARGV[4] = id, [5] = room, [6] = user, [7] = state, [8] = live until (ms), [9] = join entry,
-- [10] = update entry ('' for none). Returns {status[, position]}: 0 JOINED, 1 UPDATED, 2 UNCHANGED,
-- 5 USER_MISMATCH, 7 NO_SESSION, 8 LAPSED.
local id, room, user, state = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local live_until = tonumber(ARGV[8])
local s = P .. 's:' .. id
local ttl = redis.call('PTTL', s)
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
  become_live(id, user, live_until)
elseif tonumber(score) < live_until then
  redis.call('ZADD', PLIVE, live_until, id)
end
if not current then
  redis.call('SET', pu, user)
end
local counted = redis.call('HEXISTS', pr, room) == 1
redis.call('HSET', pr, room, state)
local pru, prs = P .. 'pru:' .. room, P .. 'prs:' .. room
if ttl > 0 then
  redis.call('PEXPIRE', pu, ttl)
  redis.call('PEXPIRE', pr, ttl)
  extend_presence(pru, prs, ttl)
end
if redis.call('HEXISTS', pru, user) == 0 then
  redis.call('HSET', pru, user, 1)
  redis.call('HSET', prs, user, state)
  return {0, append(ARGV[9])}
end
if not counted then
  redis.call('HINCRBY', pru, user, 1)
end
if ARGV[10] ~= '' and redis.call('HGET', prs, user) ~= state then
  redis.call('HSET', prs, user, state)
  return {1, append(ARGV[10])}
end
return {2}
