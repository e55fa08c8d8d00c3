-- Partitioned log, leaveSelected step 1, in one partition of rooms: the room side first (r:<room> is
-- what says who is a member), so that sr:<id> keeps holding every room that holds the session.
-- ARGV[4] = entry prefix, [5] = #rooms k, then the k room keys of this partition (distinct, in
-- order), then the selected ids. Takes each id out of each room and appends ONE entry: prefix ..
-- {"c":[[id,room,false],…]}. Returns {position or 0, {id, room, id, room…} left}.
local prefix, k = ARGV[4], tonumber(ARGV[5])
local changes, pairs_out = {}, {}
for i = 6 + k, #ARGV do
  local id = ARGV[i]
  for j = 6, 5 + k do
    local room = ARGV[j]
    if redis.call('SREM', P .. 'r:' .. room, id) == 1 then -- Redis deletes a set when its last member goes
      changes[#changes + 1] = {id, room, false}
      pairs_out[#pairs_out + 1] = id
      pairs_out[#pairs_out + 1] = room
    end
  end
end
local n = 0
if #changes > 0 then
  n = append(prefix .. cjson.encode({c = changes}))
end
return {n, pairs_out}
