-- Shared head of every log/session script (see Scripts.java). Every key a script touches shares the
-- hash tag in the prefix, so a script stays within one Redis Cluster slot.
--   KEYS[1] = <prefix>seq (declared for routing)
--   ARGV[1] = key prefix, e.g. "{ss}:"
--   ARGV[2] = the highest position the calling instance has seen (the floor)
--   ARGV[3] = MAXLEN of the log stream
local P = ARGV[1]
local FLOOR = tonumber(ARGV[2])
local MAXLEN = ARGV[3]
local SEQ = P .. 'seq'
local LOG = P .. 'log'
local EXP = P .. 'exp'
-- Positions handed out after the store lost its data continue this far above the floor.
local LOSS_JUMP = 1000000

-- Integers as decimal strings: Lua's default number formatting switches to exponents at 1e14.
local function str(n)
  return string.format('%d', n)
end

-- The newest position. A missing sequence although the caller has seen positions means the store
-- lost its data (restarted without persistence): continue above everything handed out, never below.
local function head()
  local h = redis.call('GET', SEQ)
  if h then
    return tonumber(h)
  end
  if FLOOR > 0 then
    local n = FLOOR + LOSS_JUMP
    redis.call('SET', SEQ, str(n))
    return n
  end
  return 0
end

-- Appends one entry at the next position. Positions are contiguous: a subscriber that sees a jump
-- knows entries were trimmed (or lost).
local function append(entry)
  local n = head() + 1
  redis.call('XADD', LOG, 'MAXLEN', '~', MAXLEN, '0-' .. str(n), 'e', entry)
  redis.call('SET', SEQ, str(n))
  return n
end

-- Raises the TTL of an existing key to at least ttl milliseconds (a key without one gets one).
local function extend(key, ttl)
  local t = redis.call('PTTL', key)
  if t == -1 or (t >= 0 and t < ttl) then
    redis.call('PEXPIRE', key, ttl)
  end
end

-- Presence (see Backend.java). A session is in a room's presence exactly when it is live (in PLIVE)
-- and tracked in that room (a field of its pr: hash). pru:<room> counts live sessions per user
-- (HLEN = users present), prs:<room> holds each user's state, PUL counts live sessions per user
-- across rooms, POFF schedules users going offline.
local PLIVE = P .. 'plive'
local PUL = P .. 'pul'
local POFF = P .. 'poff'

local function become_live(id, user, live_until)
  redis.call('ZADD', PLIVE, live_until, id)
  redis.call('HINCRBY', PUL, user, 1)
  redis.call('ZREM', POFF, user)
end

-- Safety TTLs of a room's presence keys and the shared presence keys (like r:<room>'s).
local function extend_presence(pru, prs, ttl)
  extend(pru, ttl)
  extend(prs, ttl)
  extend(PLIVE, ttl)
  extend(PUL, ttl)
end

-- One live session of the user leaves the room's presence; true when the user left the room.
local function leave_room(room, user)
  local pru = P .. 'pru:' .. room
  if redis.call('HINCRBY', pru, user, -1) > 0 then
    return false
  end
  redis.call('HDEL', pru, user)
  redis.call('HDEL', P .. 'prs:' .. room, user)
  return true
end

-- Reads room, entry pairs from ARGV[first..]; returns the table and the count.
local function room_entries(first)
  local given, n = {}, 0
  for i = first, #ARGV, 2 do
    given[ARGV[i]] = ARGV[i + 1]
    n = n + 1
  end
  return given, n
end

-- Whether the session's tracked rooms (HKEYS) are exactly the keys of given.
local function same_rooms(rooms, given, n)
  if #rooms ~= n then
    return false
  end
  for _, room in ipairs(rooms) do
    if not given[room] then
      return false
    end
  end
  return true
end
