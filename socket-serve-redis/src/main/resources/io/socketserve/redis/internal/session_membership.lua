-- ARGV[4] = id. A session's record and rooms in one step (a stream attach on an instance that has
-- not seen the session; issue 16). Returns {0} when there is no such session, else
-- {1, the record's fields (HGETALL), rooms, has presence (0/1)}; the version is the record's 'v'.
local fields = redis.call('HGETALL', P .. 's:' .. ARGV[4])
if #fields == 0 then
  return {0}
end
return {1, fields, redis.call('SMEMBERS', P .. 'sr:' .. ARGV[4]), redis.call('EXISTS', P .. 'pu:' .. ARGV[4])}
