-- Partitioned log only: the second step of touch_sessions.lua, on one room partition.
-- ARGV[4] = safety TTL (ms), [5] = k, [6..5+k] = member rooms of this partition, [6+k..] = rooms of
-- this partition some touched session is present in. Raises the TTL of their keys (never lowers it).
local ttl, k = tonumber(ARGV[4]), tonumber(ARGV[5])
for i = 6, 5 + k do
  extend(P .. 'r:' .. ARGV[i], ttl)
end
for i = 6 + k, #ARGV do
  extend_presence(P .. 'pru:' .. ARGV[i], P .. 'prs:' .. ARGV[i], ttl)
end
return 0
