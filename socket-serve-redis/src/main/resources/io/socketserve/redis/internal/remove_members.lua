-- Partitioned log only: the second step of remove_session.lua, on one room partition.
-- ARGV[4] = id, [5..] = rooms of this partition. Removes the session from their member sets
-- (Redis deletes a set when its last member goes). Returns 0.
for i = 5, #ARGV do
  redis.call('SREM', P .. 'r:' .. ARGV[i], ARGV[4])
end
return 0
