-- Partitioned log, joinSelected step 1, in one session partition (RedisPartitionedBatches.java):
-- the session side first, so that a session's rooms (sr:<id>) always hold at least the rooms whose
-- member sets (r:<room>, in the rooms' partitions) hold it. ARGV[4] = max rooms per session,
-- [5] = #rooms k, then the k room keys (distinct, in order), then the selected ids of this partition.
-- Like join_selected.lua: a room the session is in already is left alone, a session in max rooms
-- joins no more and is reported. Returns {{id, room, safety TTL (ms), …} added to sr:, {skipped ids}}.
local max_rooms, k = tonumber(ARGV[4]), tonumber(ARGV[5])
local added, skipped = {}, {}
for i = 6 + k, #ARGV do
  local id = ARGV[i]
  local ttl = redis.call('PTTL', P .. 's:' .. id)
  if ttl ~= -2 then -- removed since it was selected: nothing to join
    local sr = P .. 'sr:' .. id
    local count = redis.call('SCARD', sr)
    local joined = false
    for j = 6, 5 + k do
      local room = ARGV[j]
      if count >= max_rooms then
        if redis.call('SISMEMBER', sr, room) == 0 then
          skipped[#skipped + 1] = id
          break
        end
      elseif redis.call('SADD', sr, room) == 1 then
        count = count + 1
        joined = true
        added[#added + 1] = id
        added[#added + 1] = room
        added[#added + 1] = str(ttl)
      end
    end
    if joined and ttl > 0 then
      redis.call('PEXPIRE', sr, ttl)
    end
  end
end
return {added, skipped}
