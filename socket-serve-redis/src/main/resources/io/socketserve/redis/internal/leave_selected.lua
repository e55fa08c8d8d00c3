-- ARGV[4..] = selection (select.lua), then entry prefix, room keys. Takes every selected session out
-- of each room it is in and appends ONE entry: prefix .. {"c":[[id,room,false],…]}.
-- Returns {position or 0, truncated, {id, room, id, room…} left}.
local sel, i = read_selection(4)
local prefix = ARGV[i]
local rooms = distinct_rooms(i + 1)
local ids, truncated = select_ids(sel)
local changes, pairs_out, changed = {}, {}, {}
for _, id in ipairs(ids) do
  local sr = P .. 'sr:' .. id
  local left = false
  for _, room in ipairs(rooms) do
    if redis.call('SREM', sr, room) == 1 then
      redis.call('SREM', P .. 'r:' .. room, id) -- Redis deletes a set when its last member goes
      left = true
      changes[#changes + 1] = {id, room, false}
      pairs_out[#pairs_out + 1] = id
      pairs_out[#pairs_out + 1] = room
    end
  end
  if left then
    changed[#changed + 1] = P .. 's:' .. id
  end
end
local n = 0
if #changes > 0 then
  n = append(prefix .. cjson.encode({c = changes}))
  for _, s in ipairs(changed) do
    redis.call('HSET', s, 'v', str(n))
  end
end
return {n, truncated, pairs_out}
