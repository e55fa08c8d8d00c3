-- ARGV[4] = id, [5] = entry, [6] = '1' in a partitioned log (absent otherwise): the rooms' member
-- sets are then left to remove_members.lua on the rooms' partitions. Returns {0} when there is no
-- such session (another caller won), else {position, record fields, rooms, data fields}.
local id = ARGV[4]
local s, sr, sd = P .. 's:' .. id, P .. 'sr:' .. id, P .. 'sd:' .. id
redis.call('ZREM', EXP, id)
local record = redis.call('HGETALL', s)
if #record == 0 then
  return {0}
end
for i = 1, #record, 2 do
  if record[i] == 'ns' then
    redis.call('SREM', P .. 'ns:' .. record[i + 1], id) -- deleted by Redis when empty
    break
  end
end
local rooms = redis.call('SMEMBERS', sr)
if ARGV[6] ~= '1' then
  for _, room in ipairs(rooms) do
    redis.call('SREM', P .. 'r:' .. room, id) -- Redis deletes a set when its last member goes
  end
end
local data = redis.call('HGETALL', sd)
redis.call('DEL', s, sr, sd, P .. 'ev:' .. id)
return {append(ARGV[5]), record, rooms, data}
