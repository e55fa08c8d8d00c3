-- Room side of presence over several partitions (RedisPresence), for rooms of this partition; the
-- entries go to this partition's log. prm:<room> maps each live session counted in the room to its
-- user, so that a step run twice (a retry, two instances dropping the same session) counts a session
-- once and appends its entries once; pru:<room> and prs:<room> as with one partition (prelude.lua).
-- ARGV[4] = '+', [5] = id, [6] = user, [7] = the session's TTL (ms, <= 0: none), [8..] = groups of
--   room, state, join entry, update entry ('' for none): counts the session in each room. {0, last
--   position} JOINED if the user was new in a room, else {1, last position} UPDATED if its state
--   changed somewhere, else {2}.
-- ARGV[4] = '-', [5] = id, [6..] = room, leave entry pairs: takes the session out of each room.
--   {3, last position} LEFT if the user left a room, else {2}.
-- ARGV[4] = '=', [5] = id, [6] = room, [7] = state, [8] = update entry: sets the user's state in the
--   room if the session is counted there. {1, position} UPDATED, else {2}.
local op, id = ARGV[4], ARGV[5]
if op == '+' then
  local user, ttl = ARGV[6], tonumber(ARGV[7])
  local status, last = 2, 0
  for i = 8, #ARGV, 4 do
    local room, state, update = ARGV[i], ARGV[i + 1], ARGV[i + 3]
    local prm, pru, prs = P .. 'prm:' .. room, P .. 'pru:' .. room, P .. 'prs:' .. room
    local present = redis.call('HEXISTS', pru, user) == 1
    if redis.call('HSETNX', prm, id, user) == 1 or not present then
      redis.call('HINCRBY', pru, user, 1)
    end
    if not present then
      redis.call('HSET', prs, user, state)
      last = append(ARGV[i + 2])
      status = 0
    elseif update ~= '' and redis.call('HGET', prs, user) ~= state then
      redis.call('HSET', prs, user, state)
      last = append(update)
      if status == 2 then
        status = 1
      end
    end
    if ttl > 0 then
      extend(prm, ttl)
      extend(pru, ttl)
      extend(prs, ttl)
    end
  end
  if last == 0 then
    return {2}
  end
  return {status, last}
end
if op == '-' then
  local last = 0
  for i = 6, #ARGV, 2 do
    local room = ARGV[i]
    local prm = P .. 'prm:' .. room
    local user = redis.call('HGET', prm, id)
    if user then
      redis.call('HDEL', prm, id)
      if leave_room(room, user) then
        last = append(ARGV[i + 1])
      end
    end
  end
  if last == 0 then
    return {2}
  end
  return {3, last}
end
local room, state = ARGV[6], ARGV[7]
local user = redis.call('HGET', P .. 'prm:' .. room, id)
if not user then
  return {2}
end
local prs = P .. 'prs:' .. room
if redis.call('HGET', prs, user) == state then
  return {2}
end
redis.call('HSET', prs, user, state)
return {1, append(ARGV[8])}
