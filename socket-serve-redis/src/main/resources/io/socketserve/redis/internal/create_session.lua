-- ARGV[4] = id, [5] = expiresAt (ms), [6] = safety TTL (ms), [7] = secret hash, [8] = namespace,
-- [9] = created (ms), [10] = max sessions (0: no limit), [11..] = attribute name, value pairs.
-- Returns the creation position, or -1 (nothing stored) when max sessions exist already.
local id = ARGV[4]
local s = P .. 's:' .. id
if redis.call('EXISTS', s) == 1 then
  return redis.error_reply('ERR duplicate session id')
end
local max = tonumber(ARGV[10])
if max > 0 and redis.call('ZCARD', EXP) >= max then
  return -1
end
local ttl = tonumber(ARGV[6])
local h = head()
local fields = {'h', ARGV[7], 'ns', ARGV[8], 'cm', ARGV[9], 'cp', str(h), 'cu', str(h), 'v', str(h)}
for i = 11, #ARGV, 2 do
  fields[#fields + 1] = 'a:' .. ARGV[i]
  fields[#fields + 1] = ARGV[i + 1]
end
-- leftovers of an earlier session with this id whose keys outlived it by their safety TTL
redis.call('DEL', P .. 'sr:' .. id, P .. 'sd:' .. id, P .. 'ev:' .. id)
redis.call('HSET', s, unpack(fields))
redis.call('PEXPIRE', s, ttl)
redis.call('ZADD', EXP, ARGV[5], id)
extend(EXP, ttl)
-- the namespace index, so that a selection of every session of a namespace scans only that
local index = P .. 'ns:' .. ARGV[8]
redis.call('SADD', index, id)
extend(index, ttl)
return h
