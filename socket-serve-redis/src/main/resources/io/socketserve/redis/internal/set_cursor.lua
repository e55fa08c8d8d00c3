-- ARGV[4] = id, [5] = position. Unknown ids are ignored.
local s = P .. 's:' .. ARGV[4]
if redis.call('EXISTS', s) == 1 then
  redis.call('HSET', s, 'cu', ARGV[5])
end
return 0
