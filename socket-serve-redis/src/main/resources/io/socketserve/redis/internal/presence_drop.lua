-- ARGV[4] = id, [5] = now (ms), [6] = offline grace (ms), [7..] = room, leave entry pairs.
-- Returns {3, last position} LEFT, {2} UNCHANGED, {6} RETRY.
local id = ARGV[4]
local now = tonumber(ARGV[5])
local pu, pr = P .. 'pu:' .. id, P .. 'pr:' .. id
local user = redis.call('GET', pu)
if not user then
  redis.call('ZREM', PLIVE, id) -- nothing known about it any more; stop listing it as live
  return {2}
end
local ended = redis.call('EXISTS', P .. 's:' .. id) == 0
local score = redis.call('ZSCORE', PLIVE, id)
local lapsed = score and tonumber(score) <= now
if not ended and not lapsed then
  return {2}
end
local last = 0
if score then
  local rooms = redis.call('HKEYS', pr)
  local given, n = room_entries(7)
  if not same_rooms(rooms, given, n) then
    return {6}
  end
  for _, room in ipairs(rooms) do
    if leave_room(room, user) then
      last = append(given[room])
    end
  end
  redis.call('ZREM', PLIVE, id)
  if redis.call('HINCRBY', PUL, user, -1) <= 0 then
    redis.call('HDEL', PUL, user)
    redis.call('ZADD', POFF, now + tonumber(ARGV[6]), user)
    extend(POFF, tonumber(ARGV[6]) + 300000) -- claimed long before, unless every instance is gone
  end
end
if ended then
  redis.call('DEL', pu, pr)
end
if score then
  return {3, last}
end
return {2}
