-- Partitioned log, the last step of joinSelected and leaveSelected, in one session partition: moves
-- each changed session's membership version (v, a position of every partition) to the entries that
-- list its changes; for a leave, also takes the rooms out of sr:<id> (the room side went first).
-- ARGV[4] = partition count, [5] = 'j' (join) or 'l' (leave), [6] = K, then K (partition, position)
-- pairs, then (id, room, k) triples: the change of id in room is in the entry at the k-th (1-based)
-- of those positions. Returns the ids whose session is gone (removed meanwhile).
local count, leave, npos = tonumber(ARGV[4]), ARGV[5] == 'l', tonumber(ARGV[6])
local positions = {}
for k = 1, npos do
  positions[k] = {tonumber(ARGV[5 + 2 * k]) + 1, tonumber(ARGV[6 + 2 * k])}
end
local order, touched = {}, {}
for i = 7 + 2 * npos, #ARGV, 3 do
  local id, room, k = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  if leave then
    redis.call('SREM', P .. 'sr:' .. id, room)
  end
  if not touched[id] then
    touched[id] = {}
    order[#order + 1] = id
  end
  touched[id][k] = true
end
local missing = {}
for _, id in ipairs(order) do
  local s = P .. 's:' .. id
  local v = redis.call('HGET', s, 'v')
  if v then
    local vector = vector_parse(v, count)
    for k in pairs(touched[id]) do
      local q, n = positions[k][1], positions[k][2]
      if n > vector[q] then
        vector[q] = n
      end
    end
    redis.call('HSET', s, 'v', vector_encode(vector))
  else
    missing[#missing + 1] = id
  end
end
return missing
