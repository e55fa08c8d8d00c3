-- Partitioned log, the last step of joinSelected and leaveSelected, in one session partition, for
-- the (id, room) pairs in ARGV[5..] whose room side changed. ARGV[4] = 'l' (leave): takes each room
-- out of sr:<id> (the room side went first), counting up the record's 'sv' (see join_session.lua);
-- 'j' (join): only looks. Returns the ids whose session is gone (removed meanwhile: a join then takes
-- them out of the rooms again, as the removal could not see them there).
local leave = ARGV[4] == 'l'
local missing, seen = {}, {}
for i = 5, #ARGV, 2 do
  local id, room = ARGV[i], ARGV[i + 1]
  local s = P .. 's:' .. id
  local exists = redis.call('EXISTS', s) == 1
  if leave and redis.call('SREM', P .. 'sr:' .. id, room) == 1 and exists then
    redis.call('HINCRBY', s, 'sv', 1)
  end
  if not exists and not seen[id] then
    seen[id] = true
    missing[#missing + 1] = id
  end
end
return missing
