-- ARGV[4..] = selection (select.lua), then entry prefix, reason. Removes every selected session as
-- remove_session.lua does and appends ONE entry: prefix .. {"r":reason,"s":[ids]}.
-- Returns {position or 0, truncated, {id, record fields, rooms, data fields}…}.
local sel, i = read_selection(4)
local prefix, reason = ARGV[i], ARGV[i + 1]
local ids, truncated = select_ids(sel)
local removed = {}
local index = P .. 'ns:' .. sel.ns
for _, id in ipairs(ids) do
  local s, sr, sd = P .. 's:' .. id, P .. 'sr:' .. id, P .. 'sd:' .. id
  redis.call('ZREM', EXP, id)
  redis.call('SREM', index, id)
  local record = redis.call('HGETALL', s)
  local rooms = redis.call('SMEMBERS', sr)
  for _, room in ipairs(rooms) do
    redis.call('SREM', P .. 'r:' .. room, id)
  end
  local data = redis.call('HGETALL', sd)
  redis.call('DEL', s, sr, sd, P .. 'ev:' .. id)
  removed[#removed + 1] = {id, record, rooms, data}
end
local n = 0
if #ids > 0 then
  n = append(prefix .. cjson.encode({r = reason, s = ids}))
end
local out = {n, truncated}
for _, r in ipairs(removed) do
  out[#out + 1] = r
end
return out
