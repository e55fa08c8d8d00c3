-- User side of presence over several partitions (RedisPresence), on the user's partition: pus:<user>
-- holds the ids of the user's live sessions (a set, so that a step run twice counts once; one
-- partition counts them in PUL instead), POFF schedules users going offline.
-- ARGV[4] = '+', [5] = user, [6] = id, [7] = the session's TTL (ms, <= 0: none): the session is live.
-- ARGV[4] = '-', [5] = user, [6] = id, [7] = now (ms), [8] = offline grace (ms): it is not; if it was
--   the user's last live session, the user goes offline after the grace.
-- Returns 1 when the set changed, else 0.
local user, id = ARGV[5], ARGV[6]
local pus = P .. 'pus:' .. user
if ARGV[4] == '+' then
  local added = redis.call('SADD', pus, id)
  redis.call('ZREM', POFF, user)
  local ttl = tonumber(ARGV[7])
  if ttl > 0 then
    extend(pus, ttl)
  end
  return added
end
local removed = redis.call('SREM', pus, id)
if removed == 1 and redis.call('SCARD', pus) == 0 then
  local grace = tonumber(ARGV[8])
  redis.call('ZADD', POFF, tonumber(ARGV[7]) + grace, user)
  extend(POFF, grace + 300000) -- claimed long before, unless every instance is gone
end
return removed
