-- Partitioned log only: append_once.lua for a partition other than the session's, whose ledger
-- (ev:<id>) this script cannot read. The record of the event's appends into THIS partition lives
-- here: ao:<id>, a hash of seq -> ",<n>:<position>,<n>:<position>,...," plus 'h' = the highest seq
-- recorded; seqs at or below h - window are forgotten (the ledger answers them STALE anyway), and
-- the hash expires after the TTL unless written again.
-- ARGV[4] = session id, [5] = seq, [6] = n, [7] = entry, [8] = window, [9] = TTL (ms).
-- Returns the position (the earlier one for a repeat).
local ao = P .. 'ao:' .. ARGV[4]
local seq, window = tonumber(ARGV[5]), tonumber(ARGV[8])
local record = redis.call('HGET', ao, ARGV[5])
if record then
  local p = string.match(record, ',' .. ARGV[6] .. ':(%d+),')
  if p then
    return tonumber(p)
  end
end
local highest = tonumber(redis.call('HGET', ao, 'h') or '0')
if seq <= highest - window then
  return append(ARGV[7]) -- out of the window: not in the ledger, a plain append
end
if seq > highest then
  local from, to = math.max(highest - window + 1, 1), seq - window
  if to - from + 1 >= window then
    redis.call('DEL', ao) -- every recorded seq falls out of the window
  else
    for old = from, to do
      redis.call('HDEL', ao, str(old))
    end
  end
  redis.call('HSET', ao, 'h', ARGV[5])
end
local n = append(ARGV[7])
redis.call('HSET', ao, ARGV[5], (record or ',') .. ARGV[6] .. ':' .. str(n) .. ',')
redis.call('PEXPIRE', ao, ARGV[9])
return n
