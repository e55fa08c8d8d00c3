-- ARGV[4] = id, [5] = key, [6] = '1' to set / '0' to remove, [7] = value. Returns 0 when there is
-- no such session, else 1.
local ttl = redis.call('PTTL', P .. 's:' .. ARGV[4])
if ttl == -2 then
  return 0
end
local sd = P .. 'sd:' .. ARGV[4]
if ARGV[6] == '1' then
  redis.call('HSET', sd, ARGV[5], ARGV[7])
  if ttl > 0 then
    redis.call('PEXPIRE', sd, ttl)
  end
else
  redis.call('HDEL', sd, ARGV[5])
end
return 1
