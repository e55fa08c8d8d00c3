-- Partitioned log, removeSelected step 1, in one session partition: ARGV[4] = entry prefix,
-- [5] = reason, then the selected ids of this partition. Removes each session that still exists as
-- remove_session.lua does, except its ids in the rooms' member sets (other partitions: step 2,
-- unlink_rooms.lua), and appends ONE entry: prefix .. {"r":reason,"s":[ids]} naming those this call
-- removed (a session removed meanwhile by another caller is that caller's).
-- Returns {position or 0, {id, record fields, rooms, data fields}…}.
local prefix, reason = ARGV[4], ARGV[5]
local ids, removed = {}, {}
for i = 6, #ARGV do
  local id = ARGV[i]
  local s, sr, sd = P .. 's:' .. id, P .. 'sr:' .. id, P .. 'sd:' .. id
  redis.call('ZREM', EXP, id)
  local record = redis.call('HGETALL', s)
  if #record > 0 then
    for k = 1, #record, 2 do
      if record[k] == 'ns' then
        redis.call('SREM', P .. 'ns:' .. record[k + 1], id) -- deleted by Redis when empty
        break
      end
    end
    local rooms = redis.call('SMEMBERS', sr)
    local data = redis.call('HGETALL', sd)
    redis.call('DEL', s, sr, sd, P .. 'ev:' .. id)
    ids[#ids + 1] = id
    removed[#removed + 1] = {id, record, rooms, data}
  end
end
local n = 0
if #ids > 0 then
  n = append(prefix .. cjson.encode({r = reason, s = ids}))
end
local out = {n}
for _, r in ipairs(removed) do
  out[#out + 1] = r
end
return out
