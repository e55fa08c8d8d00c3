-- ARGV[4] = id, [5] = room, [6] = leave entry.
-- Returns {3, position} LEFT, {2} UNCHANGED, {4} NOT_TRACKED, {7} NO_SESSION.
local id, room = ARGV[4], ARGV[5]
if redis.call('EXISTS', P .. 's:' .. id) == 0 then
  return {7}
end
if redis.call('HDEL', P .. 'pr:' .. id, room) == 0 then
  return {4}
end
if redis.call('ZSCORE', PLIVE, id) then
  local user = redis.call('GET', P .. 'pu:' .. id)
  if leave_room(room, user) then
    return {3, append(ARGV[6])}
  end
end
return {2}
