-- Partitioned log, joinSelected step 1, in one session partition (RedisPartitionedBatches.java), as
-- join_session.lua does for one session and room: the session side first, so that a session's rooms
-- (sr:<id>) always hold at least the rooms whose member sets (r:<room>, in the rooms' partitions)
-- hold it. ARGV[4] = max rooms per session, [5] = #rooms k, then the k room keys (distinct, in order),
-- then the selected ids of this partition. Like join_selected.lua, a session in max rooms joins no
-- more and is reported; every room in sr:<id> after this (added now, or there already: an earlier
-- join may have failed between its steps) goes on to the room side, which adds only what is missing.
-- Each session whose sr:<id> changed counts up its record's 'sv'.
-- Returns {{id, room, safety TTL (ms), …} for the room side, {skipped ids}}.
local max_rooms, k = tonumber(ARGV[4]), tonumber(ARGV[5])
local forward, skipped = {}, {}
for i = 6 + k, #ARGV do
  local id = ARGV[i]
  local s = P .. 's:' .. id
  local ttl = redis.call('PTTL', s)
  if ttl ~= -2 then -- removed since it was selected: nothing to join
    local sr = P .. 'sr:' .. id
    local count = redis.call('SCARD', sr)
    local added = false
    for j = 6, 5 + k do
      local room = ARGV[j]
      if count >= max_rooms then
        if redis.call('SISMEMBER', sr, room) == 0 then
          skipped[#skipped + 1] = id
          break
        end
      elseif redis.call('SADD', sr, room) == 1 then
        count = count + 1
        added = true
      end
      forward[#forward + 1] = id
      forward[#forward + 1] = room
      forward[#forward + 1] = str(ttl)
    end
    if added then
      redis.call('HINCRBY', s, 'sv', 1)
      if ttl > 0 then
        redis.call('PEXPIRE', sr, ttl)
      end
    end
  end
end
return {forward, skipped}
