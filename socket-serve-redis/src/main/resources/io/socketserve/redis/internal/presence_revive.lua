-- ARGV[4] = id, [5] = live until (ms), [6..] = room, join entry pairs.
-- Returns {0, last position} JOINED, {2} UNCHANGED, {4} NOT_TRACKED, {6} RETRY, {7} NO_SESSION.
local id = ARGV[4]
local live_until = tonumber(ARGV[5])
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
local tracked = redis.call('HGETALL', P .. 'pr:' .. id)
local rooms = {}
for i = 1, #tracked, 2 do
  rooms[#rooms + 1] = tracked[i]
end
local given, n = room_entries(6)
if not same_rooms(rooms, given, n) then
  return {6}
end
become_live(id, user, live_until)
local ttl = redis.call('PTTL', P .. 's:' .. id)
local last = 0
for i = 1, #tracked, 2 do
  local room, state = tracked[i], tracked[i + 1]
  if ttl > 0 then
    extend_presence(P .. 'pru:' .. room, P .. 'prs:' .. room, ttl)
  end
  if redis.call('HINCRBY', P .. 'pru:' .. room, user, 1) == 1 then
    redis.call('HSET', P .. 'prs:' .. room, user, state)
    last = append(given[room])
  end
end
if last == 0 then
  return {2}
end
return {0, last}
