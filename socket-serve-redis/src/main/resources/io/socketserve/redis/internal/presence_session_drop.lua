-- Session side of presenceDrop over several partitions (RedisPresence; one partition runs
-- presence_drop.lua), before and after the room and user sides. ARGV[4] = 'check' or 'commit',
-- [5] = id, [6] = now (ms), [7..] = the rooms of the caller's leave entries.
-- check: {2} UNCHANGED (no presence, or neither ended nor lapsed), {6} RETRY (the tracked rooms
--   differ), else {0, user, live 0/1, ended 0/1}: the room and user sides go on. Changes nothing.
-- commit: {6} RETRY if the tracked rooms changed since (nothing changed), else {0}: the session is not
--   live any more (even if its deadline moved on meanwhile: the next refresh then reports it lapsed and
--   the engine revives it), and an ended session's presence is forgotten.
local id = ARGV[5]
local now = tonumber(ARGV[6])
local pu, pr = P .. 'pu:' .. id, P .. 'pr:' .. id
local user = redis.call('GET', pu)
if not user then
  redis.call('ZREM', PLIVE, id) -- nothing known about it any more; stop listing it as live
  return {ARGV[4] == 'check' and 2 or 0}
end
local given, n = room_set(7)
if ARGV[4] == 'commit' then
  if not same_rooms(redis.call('HKEYS', pr), given, n) then
    return {6}
  end
  redis.call('ZREM', PLIVE, id)
  if redis.call('EXISTS', P .. 's:' .. id) == 0 then
    redis.call('DEL', pu, pr)
  end
  return {0}
end
local ended = redis.call('EXISTS', P .. 's:' .. id) == 0
local score = redis.call('ZSCORE', PLIVE, id)
if not ended and not (score and tonumber(score) <= now) then
  return {2}
end
if not same_rooms(redis.call('HKEYS', pr), given, n) then
  return {6}
end
return {0, user, score and 1 or 0, ended and 1 or 0}
