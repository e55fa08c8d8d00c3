-- ARGV[4] = now (ms), [5] = max. Pops the users whose grace period ended: each goes to one caller.
local due = redis.call('ZRANGEBYSCORE', POFF, '-inf', ARGV[4], 'LIMIT', 0, tonumber(ARGV[5]))
for _, user in ipairs(due) do
  redis.call('ZREM', POFF, user)
end
return due
