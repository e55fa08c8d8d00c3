-- ARGV[4..] = selection (select.lua), then max rooms per session, entry prefix, room keys.
-- Joins every selected session to each room in order (like join.lua: a member stays, a session in
-- max rooms joins no more and is reported) and appends ONE entry: prefix .. {"c":[[id,room,true],…]}.
-- Returns {position or 0, truncated, {id, room, id, room…} joined, {ids skipped at the limit}}.
local sel, i = read_selection(4)
local max_rooms = tonumber(ARGV[i])
local prefix = ARGV[i + 1]
local rooms = distinct_rooms(i + 2)
local ids, truncated = select_ids(sel)
local changes, pairs_out, skipped, changed = {}, {}, {}, {}
local room_ttl = {} -- room -> a TTL the room's key is known to have at least (saves a PTTL per member)
for _, id in ipairs(ids) do
  local s, sr = P .. 's:' .. id, P .. 'sr:' .. id
  local ttl = redis.call('PTTL', s)
  local count = redis.call('SCARD', sr)
  local joined = false
  for _, room in ipairs(rooms) do
    if count >= max_rooms then
      if redis.call('SISMEMBER', sr, room) == 0 then
        skipped[#skipped + 1] = id
        break
      end
    elseif redis.call('SADD', sr, room) == 1 then
      local r = P .. 'r:' .. room
      redis.call('SADD', r, id)
      if ttl > (room_ttl[room] or 0) then
        extend(r, ttl)
        room_ttl[room] = ttl
      end
      count = count + 1
      joined = true
      changes[#changes + 1] = {id, room, true}
      pairs_out[#pairs_out + 1] = id
      pairs_out[#pairs_out + 1] = room
    end
  end
  if joined then
    if ttl > 0 then
      redis.call('PEXPIRE', sr, ttl)
    end
    changed[#changed + 1] = s
  end
end
local n = 0
if #changes > 0 then
  n = append(prefix .. cjson.encode({c = changes}))
  for _, s in ipairs(changed) do
    redis.call('HSET', s, 'v', str(n))
  end
end
return {n, truncated, pairs_out, skipped}
