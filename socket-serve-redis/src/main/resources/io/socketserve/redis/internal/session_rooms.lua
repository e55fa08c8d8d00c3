-- Partitioned log only: the session side of membership, on the session's partition.
-- ARGV[4] = id. Returns {0} when there is no such session, else {1, sv, rooms, creation position}:
-- sv counts the changes of the session's rooms (join_session.lua), the rooms are a superset of its
-- memberships (a room is added before the room side and removed after it).
local s = P .. 's:' .. ARGV[4]
if redis.call('EXISTS', s) == 0 then
  return {0}
end
return {1, redis.call('HGET', s, 'sv') or '0', redis.call('SMEMBERS', P .. 'sr:' .. ARGV[4]),
  redis.call('HGET', s, 'cp') or '0'}
