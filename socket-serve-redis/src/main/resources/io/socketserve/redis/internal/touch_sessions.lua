-- ARGV[4] = expiresAt (ms), [5] = safety TTL (ms), [6..] = ids. Unknown ids are ignored.
local ttl = tonumber(ARGV[5])
local indexes = {} -- the namespace indexes of the touched sessions, each extended once
for i = 6, #ARGV do
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
          extend_presence(P .. 'pru:' .. room, P .. 'prs:' .. room, ttl)
        end
      end
    end
    local sr = P .. 'sr:' .. id
    if redis.call('PEXPIRE', sr, ttl) == 1 then
      for _, room in ipairs(redis.call('SMEMBERS', sr)) do
        extend(P .. 'r:' .. room, ttl)
      end
    end
  end
end
extend(EXP, ttl)
for index in pairs(indexes) do
  extend(index, ttl)
end
return 0
