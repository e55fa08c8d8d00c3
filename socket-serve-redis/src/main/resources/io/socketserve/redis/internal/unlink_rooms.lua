-- Partitioned log, in one partition of rooms: ARGV[4..] = (room, id) pairs of this partition's rooms.
-- Takes each id out of the room's member set, appending nothing: the sessions are gone (removed, and
-- their removal entry appended in their own partition). Returns how many were members.
local n = 0
for i = 4, #ARGV, 2 do
  n = n + redis.call('SREM', P .. 'r:' .. ARGV[i], ARGV[i + 1]) -- Redis deletes a set when its last member goes
end
return n
