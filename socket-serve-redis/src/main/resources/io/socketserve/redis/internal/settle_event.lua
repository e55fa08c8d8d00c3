-- ARGV[4] = session id, [5] = seq, [6] = the answer (absent: release the event for another run).
-- Returns 1 when the event was in the ledger, 0 otherwise (out of the window, session gone).
local ev = P .. 'ev:' .. ARGV[4]
local f = 's:' .. ARGV[5]
if redis.call('HEXISTS', ev, f) == 0 then
  return 0
end
if ARGV[6] then
  redis.call('HSET', ev, f, 'A' .. ARGV[6])
else
  redis.call('HDEL', ev, f)
end
return 1
