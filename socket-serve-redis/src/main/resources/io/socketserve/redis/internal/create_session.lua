-- ARGV[4] = id, [5] = expiresAt (ms), [6] = safety TTL (ms), [7] = secret hash, [8] = namespace,
-- [9] = created (ms), [10] = max sessions (0: no limit), [11] = '1' in a partitioned log, else '0',
-- [12] / [13] = with '1': the text of the creation position before / after this partition's
-- component (LogPosition.encode: base 36, '.' between components), [14..] = attribute name, value
-- pairs. Returns this partition's head (the creation position of a single-partition log), or -1
-- (nothing stored) when max sessions exist already (in this partition, with a partitioned log: the
-- caller subtracted the other partitions' counts).
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
local at = str(h)
if ARGV[11] == '1' then
  local digits, text, n = '0123456789abcdefghijklmnopqrstuvwxyz', '', h
  repeat
    local d = n % 36
    text = string.sub(digits, d + 1, d + 1) .. text
    n = (n - d) / 36
  until n == 0
  at = ARGV[12] .. text .. ARGV[13]
end
local fields = {'h', ARGV[7], 'ns', ARGV[8], 'cm', ARGV[9], 'cp', at, 'cu', at, 'v', at}
for i = 14, #ARGV, 2 do
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
