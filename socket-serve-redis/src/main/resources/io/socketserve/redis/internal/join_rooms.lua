-- Partitioned log, joinSelected step 2, in one partition of rooms: ARGV[4] = entry prefix, then
-- (id, room, safety TTL ms) triples of this partition's rooms, in the order of the changes. Adds each
-- id to r:<room> and appends ONE entry: prefix .. {"c":[[id,room,true],…]} listing those added.
-- Returns {position or 0, {id, room, id, room…} joined}.
local prefix = ARGV[4]
local changes, pairs_out = {}, {}
local room_ttl = {}
for i = 5, #ARGV, 3 do
  local id, room, ttl = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local r = P .. 'r:' .. room
  if redis.call('SADD', r, id) == 1 then
    changes[#changes + 1] = {id, room, true}
    pairs_out[#pairs_out + 1] = id
    pairs_out[#pairs_out + 1] = room
  end
  if ttl > (room_ttl[room] or 0) then
    extend(r, ttl)
    room_ttl[room] = ttl
  end
end
local n = 0
if #changes > 0 then
  n = append(prefix .. cjson.encode({c = changes}))
end
return {n, pairs_out}
