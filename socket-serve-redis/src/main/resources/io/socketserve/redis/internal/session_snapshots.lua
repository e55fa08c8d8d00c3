-- ARGV[4..] = ids. Returns, for each id that is a session, id, record fields, rooms, data fields
-- (four elements per session, flat).
local out = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local record = redis.call('HGETALL', P .. 's:' .. id)
  if #record > 0 then
    out[#out + 1] = id
    out[#out + 1] = record
    out[#out + 1] = redis.call('SMEMBERS', P .. 'sr:' .. id)
    out[#out + 1] = redis.call('HGETALL', P .. 'sd:' .. id)
  end
end
return out
