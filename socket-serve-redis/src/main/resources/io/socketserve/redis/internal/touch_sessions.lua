-- ARGV[4] = expiresAt (ms), [5] = safety TTL (ms), [6] = '1' in a partitioned log, else '0',
-- [7..] = ids. Unknown ids are ignored. Returns 0; with '1' the rooms' keys (members, presence)
-- may belong to other partitions: they are not touched here but returned, {member rooms, presence
-- rooms} (each once), for touch_rooms.lua on their partitions.
local ttl = tonumber(ARGV[5])
local split = ARGV[6] == '1'
local rooms, presence_rooms, seen, seen_presence = {}, {}, {}, {}
local indexes = {} -- the namespace indexes of the touched sessions, each extended once
for i = 7, #ARGV do
  local id = ARGV[i]
  if redis.call('PEXPIRE', P .. 's:' .. id, ttl) == 1 then
    redis.call('ZADD', EXP, ARGV[4], id)
    redis.call('PEXPIRE', P .. 'sd:' .. id, ttl)
    redis.call('PEXPIRE', P .. 'ev:' .. id, ttl)
    -- SADD too: a session created before the index existed (0.1) joins it at its next touch
    local index = P .. 'ns:' .. (redis.call('HGET', P .. 's:' .. id, 'ns') or '/')
    redis.call('SADD', index, id)
    indexes[index] = true
    -- presence keys exist only for tracked sessions: one call for the others
    if redis.call('PEXPIRE', P .. 'pu:' .. id, ttl) == 1 then
      local pr = P .. 'pr:' .. id
      if redis.call('PEXPIRE', pr, ttl) == 1 then
        for _, room in ipairs(redis.call('HKEYS', pr)) do
          if not split then
            extend_presence(P .. 'pru:' .. room, P .. 'prs:' .. room, ttl)
          elseif not seen_presence[room] then
            seen_presence[room] = true
            presence_rooms[#presence_rooms + 1] = room
          end
        end
      end
    end
    local sr = P .. 'sr:' .. id
    if redis.call('PEXPIRE', sr, ttl) == 1 then
      for _, room in ipairs(redis.call('SMEMBERS', sr)) do
        if not split then
          extend(P .. 'r:' .. room, ttl)
        elseif not seen[room] then
          seen[room] = true
          rooms[#rooms + 1] = room
        end
      end
    end
  end
end
extend(EXP, ttl)
for index in pairs(indexes) do
  extend(index, ttl)
end
if split then
  return {rooms, presence_rooms}
end
return 0
