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
