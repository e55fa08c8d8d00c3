-- ARGV[4] = id. Returns {0} when there is no such session, else {1, version, rooms, has presence (0/1)}.
local v = redis.call('HGET', P .. 's:' .. ARGV[4], 'v')
if not v then
  return {0}
end
return {1, v, redis.call('SMEMBERS', P .. 'sr:' .. ARGV[4]), redis.call('EXISTS', P .. 'pu:' .. ARGV[4])}
