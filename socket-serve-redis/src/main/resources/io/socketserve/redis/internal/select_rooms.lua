-- Partitioned log, step 1 of a selection with rooms (select.lua; RedisPartitionedBatches.java), run
-- in one partition of rooms: ARGV[4] = #included rooms k, then the k included room keys, then the
-- excluded room keys, all of this partition. Returns {members of the included rooms (each once, in
-- room order), members of the excluded rooms}. One SMEMBERS per room.
local k = tonumber(ARGV[4])
local seen, members, excluded = {}, {}, {}
for i = 5, 4 + k do
  for _, id in ipairs(redis.call('SMEMBERS', P .. 'r:' .. ARGV[i])) do
    if not seen[id] then
      seen[id] = true
      members[#members + 1] = id
    end
  end
end
for i = 5 + k, #ARGV do
  for _, id in ipairs(redis.call('SMEMBERS', P .. 'r:' .. ARGV[i])) do
    excluded[#excluded + 1] = id
  end
end
return {members, excluded}
