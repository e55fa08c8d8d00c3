-- ARGV[4] = id, [5] = key, [6] = '1' if a value is expected / '0' if absence is, [7] = expected,
-- [8] = '1' to set / '0' to remove, [9] = update. Returns 1 when set, else 0.
local ttl = redis.call('PTTL', P .. 's:' .. ARGV[4])
if ttl == -2 then
  return 0
end
local sd = P .. 'sd:' .. ARGV[4]
local current = redis.call('HGET', sd, ARGV[5])
if ARGV[6] == '1' then
  if current ~= ARGV[7] then
    return 0
  end
elseif current then
  return 0
end
if ARGV[8] == '1' then
  redis.call('HSET', sd, ARGV[5], ARGV[9])
  if ttl > 0 then
    redis.call('PEXPIRE', sd, ttl)
  end
else
  redis.call('HDEL', sd, ARGV[5])
end
return 1
