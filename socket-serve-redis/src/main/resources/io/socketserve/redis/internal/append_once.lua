-- ARGV[4] = session id, [5] = seq, [6] = n, [7] = entry. Appends the entry unless the n-th append
-- of event seq is in the session's ledger already; returns the position (the earlier one for a
-- repeat). An event that is not in the ledger (out of the window) appends plainly.
local ev = P .. 'ev:' .. ARGV[4]
if redis.call('HEXISTS', ev, 's:' .. ARGV[5]) == 0 then
  return append(ARGV[7])
end
local f = 'a:' .. ARGV[5] .. ':' .. ARGV[6]
local p = redis.call('HGET', ev, f)
if p then
  return tonumber(p)
end
local n = append(ARGV[7])
redis.call('HSET', ev, f, str(n))
return n
