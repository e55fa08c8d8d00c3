-- Shared head of every log/session script (see Scripts.java). Every key a script touches shares the
-- hash tag in the prefix, so a script stays within one Redis Cluster slot.
--   KEYS[1] = <prefix>log (declared for routing)
--   ARGV[1] = key prefix, e.g. "{ss}:"
--   ARGV[2] = the highest position the calling instance has seen (the floor)
--   ARGV[3] = the log's retention, "<max entries>:<max bytes>:<max age ms>" (LogRetention)
local P = ARGV[1]
local FLOOR = tonumber(ARGV[2])
local RETENTION = {string.match(ARGV[3], '^(%d+):?(%d*):?(%d*)$')}
local MAXLEN = tonumber(RETENTION[1])
local MAXBYTES = tonumber(RETENTION[2]) or math.huge
local MAXAGE = tonumber(RETENTION[3]) or math.huge
local LOG = P .. 'log'
local EXP = P .. 'exp'
-- Positions are epoch * EPOCH_SPAN + sequence. When the store lost entries, appends continue in the
-- next epoch, above every position handed out: readers see the jump and report the lost range
-- (LogStore's contract: a jump in positions means entries were lost), never a silent gap.
local EPOCH_SPAN = 1000000000
-- The replication id of the master our last append ran on (INFO replication: master_replid).
local LINEAGE = P .. 'lineage'

-- Integers as decimal strings: Lua's default number formatting switches to exponents at 1e14.
local function str(n)
  return string.format('%d', n)
end

-- The first position of the epoch after the one holding n.
local function next_epoch(n)
  return (math.floor(n / EPOCH_SPAN) + 1) * EPOCH_SPAN
end

-- The position of a stream id "0-<position>".
local function position_of(id)
  return tonumber(string.match(id, '^0%-(%d+)$'))
end

-- The newest position: the stream's newest entry (trimming always keeps it). A missing stream although
-- the caller has seen positions means the store lost its data (restarted without persistence): the
-- head is then the end of the caller's epoch, and the next append starts a new one, never below.
local function head()
  local newest = redis.call('XREVRANGE', LOG, '+', '-', 'COUNT', 1)
  if newest[1] then
    return position_of(newest[1][1])
  end
  if FLOOR > 0 then
    return next_epoch(FLOOR) - 1
  end
  return 0
end

-- Whether the entries of our last append may be missing here: this master is not the one that ran
-- it (its replication id differs from the one recorded then), and it was promoted from a replica,
-- which keeps the id it replicated from as master_replid2. Replication is asynchronous, so a
-- promoted replica may lack the newest entries. A master whose id changed without a promotion (its
-- first replica attached, a first run, a cluster slot migrated here from another master) kept or
-- copied everything: only the new id is recorded.
local NO_ID = string.rep('0', 40)
local function promoted()
  local info = redis.call('INFO', 'replication')
  local id = string.match(info, 'master_replid:(%x+)')
  local known = redis.call('GET', LINEAGE)
  if known == id then
    return false
  end
  redis.call('SET', LINEAGE, id)
  local id2 = string.match(info, 'master_replid2:(%x+)')
  return known ~= false and id2 ~= nil and id2 ~= NO_ID
end

-- The position of this script's previous append, if any (the checks run once per script).
local appended = nil

-- Retention by bytes and age (LogRetention). A stream cannot be trimmed by bytes or by the time of
-- an entry (our ids are 0-<position>), so every append also records "<position>:<length>:<time ms>"
-- at the tail of the list LOGSZ and adds the length to LOGBYTES (the sum over LOGSZ). When the log is
-- over a bound, the oldest records of LOGSZ say how far to trim: XTRIM MINID removes everything
-- below (entries that have no record too, such as those written before this accounting existed),
-- then LOGSZ and LOGBYTES follow. Plain appends cost 3 commands more (TIME, RPUSH, INCRBY), and every
-- AGE_CHECK_EVERY-th position one more (LINDEX: is the oldest entry past the age bound?); a trim 4
-- more per round of TRIM_BATCH records, at most TRIM_ROUNDS rounds: constant per append.
local LOGSZ = P .. 'logsz'
local LOGBYTES = P .. 'logbytes'
local TRIM_BATCH = 128
local TRIM_ROUNDS = 8
-- The age bound is checked on every AGE_CHECK_EVERY-th position only: entries may outlive it by that
-- many appends (the engine never replays a message older than the bound anyway), and the count and
-- byte bounds hold on every append.
local AGE_CHECK_EVERY = 8
-- Count trimming waits until the log is this far over MAXLEN, then trims back to MAXLEN: one trim
-- every COUNT_SLACK appends rather than one per append (the log keeps "at least" MAXLEN).
local COUNT_SLACK = math.max(1, math.min(100, math.ceil(MAXLEN / 10)))

local now_ms = nil
local function now()
  if not now_ms then
    local t = redis.call('TIME')
    now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return now_ms
end

-- position, length, time of a LOGSZ record
local function sized(record)
  local p, len, at = string.match(record, '^(%d+):(%d+):(%d+)$')
  return tonumber(p), tonumber(len), tonumber(at)
end

-- Accounts the entry just appended at position n, then trims the oldest entries past any bound.
-- The newest entry is always kept.
local function retain(n, len)
  local t = now()
  local count = redis.call('RPUSH', LOGSZ, str(n) .. ':' .. len .. ':' .. str(t))
  local bytes = redis.call('INCRBY', LOGBYTES, len)
  local cutoff = t - MAXAGE
  if count <= 1 then
    return
  end
  if count <= MAXLEN + COUNT_SLACK and bytes <= MAXBYTES then
    if MAXAGE == math.huge or n % AGE_CHECK_EVERY ~= 0 then
      return
    end
    local _, _, oldest_at = sized(redis.call('LINDEX', LOGSZ, 0))
    if oldest_at >= cutoff then
      return
    end
  end
  for _ = 1, TRIM_ROUNDS do
    local batch = redis.call('LRANGE', LOGSZ, 0, TRIM_BATCH - 1)
    local drop, dropped, last = 0, 0, nil
    for _, record in ipairs(batch) do
      local p, size, at = sized(record)
      if count - drop <= 1 or (count - drop <= MAXLEN and bytes - dropped <= MAXBYTES and at >= cutoff) then
        break
      end
      drop = drop + 1
      dropped = dropped + size
      last = p
    end
    if drop == 0 then
      return
    end
    redis.call('XTRIM', LOG, 'MINID', '0-' .. str(last + 1))
    redis.call('LTRIM', LOGSZ, drop, -1)
    bytes = redis.call('DECRBY', LOGBYTES, dropped)
    count = count - drop
    if drop < #batch then
      return
    end
  end
end

-- Appends one entry at the next position. Positions are contiguous within an epoch: a subscriber
-- that sees a jump knows entries were trimmed or lost. The stream numbers the entry itself (XADD
-- 0-*: the sequence after its last id, Redis 7.0+), so the head costs no command of its own; only when
-- the store turns out to have lost entries (behind the caller's floor, or promoted from a replica)
-- is the entry moved to the start of the next epoch.
local function append(entry)
  -- MAXLEN here is only a backstop (retain() keeps the count near MAXLEN): should LOGSZ ever be lost,
  -- the stream still cannot grow past twice the count.
  local backstop = str(2 * MAXLEN + 1000)
  local n
  if appended then
    n = appended + 1
    redis.call('XADD', LOG, 'MAXLEN', '~', backstop, '0-' .. str(n), 'e', entry)
  else
    local id = redis.call('XADD', LOG, 'MAXLEN', '~', backstop, '0-*', 'e', entry)
    n = position_of(id)
    if n - 1 < FLOOR or promoted() then
      -- entries this instance saw are gone, or may be: continue in a new epoch
      redis.call('XDEL', LOG, id)
      n = next_epoch(math.max(n - 1, FLOOR))
      redis.call('XADD', LOG, 'MAXLEN', '~', backstop, '0-' .. str(n), 'e', entry)
    end
  end
  appended = n
  retain(n, #entry)
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
