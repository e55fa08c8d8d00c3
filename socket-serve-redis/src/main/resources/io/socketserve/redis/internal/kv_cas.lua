-- Stand-alone (no prelude). KEYS[1] = the key; ARGV[1] = '1' if a value is expected / '0' if
-- absence is, [2] = expected, [3] = '1' to set / '0' to delete, [4] = update, [5] = TTL ms (0: none).
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then
    return 0
  end
elseif current then
  return 0
end
if ARGV[3] == '1' then
  if tonumber(ARGV[5]) > 0 then
    redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
  else
    redis.call('SET', KEYS[1], ARGV[4])
  end
else
  redis.call('DEL', KEYS[1])
end
return 1
