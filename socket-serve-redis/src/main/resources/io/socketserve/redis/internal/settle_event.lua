-- ARGV[4] = session id, [5] = seq, [6] = attempt, [7] = the answer (absent: release the event for
-- another run). Only the attempt holding the claim settles it. Returns 1 when it did, else 0.
local ev = P .. 'ev:' .. ARGV[4]
local f = 's:' .. ARGV[5]
local slot = redis.call('HGET', ev, f)
if not slot or string.sub(slot, 1, 1) ~= 'L' or string.match(slot, '^L%d+:(.*)$') ~= ARGV[6] then
  return 0
end
if ARGV[7] then
  redis.call('HSET', ev, f, 'A' .. ARGV[7])
else
  redis.call('HDEL', ev, f)
end
return 1
