-- ARGV[4] = id, [5] = room, [6] = state, [7] = update entry.
-- Returns {1, position} UPDATED, {2} UNCHANGED, {4} NOT_TRACKED, {7} NO_SESSION.
local id, room, state = ARGV[4], ARGV[5], ARGV[6]
if redis.call('EXISTS', P .. 's:' .. id) == 0 then
  return {7}
end
local pr = P .. 'pr:' .. id
if redis.call('HEXISTS', pr, room) == 0 then
  return {4}
end
redis.call('HSET', pr, room, state)
if not redis.call('ZSCORE', PLIVE, id) then
  return {2}
end
local user = redis.call('GET', P .. 'pu:' .. id)
local prs = P .. 'prs:' .. room
if redis.call('HGET', prs, user) == state then
  return {2}
end
redis.call('HSET', prs, user, state)
return {1, append(ARGV[7])}
