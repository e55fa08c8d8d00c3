-- Partitioned log only: one partition's head and session count, and which of the given rooms of
-- this partition a session is a member of, read together. ARGV[4] = id, [5..] = rooms.
-- Returns {head, sessions in this partition, member rooms...}.
local reply = {head(), redis.call('ZCARD', EXP)}
for i = 5, #ARGV do
  if redis.call('SISMEMBER', P .. 'r:' .. ARGV[i], ARGV[4]) == 1 then
    reply[#reply + 1] = ARGV[i]
  end
end
return reply
