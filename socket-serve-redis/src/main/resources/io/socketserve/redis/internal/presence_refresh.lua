-- ARGV[4] = live until (ms), [5..] = ids. Extends the live ones; returns the ids that have presence,
-- still exist and are not live.
local live_until = tonumber(ARGV[4])
local lapsed = {}
for i = 5, #ARGV do
  local id = ARGV[i]
  -- one call for a session that was never tracked (most of them)
  if redis.call('EXISTS', P .. 'pu:' .. id) == 1 then
    local score = redis.call('ZSCORE', PLIVE, id)
    if score then
      if tonumber(score) < live_until then
        redis.call('ZADD', PLIVE, live_until, id)
      end
    elseif redis.call('EXISTS', P .. 's:' .. id) == 1 then
      lapsed[#lapsed + 1] = id
    end
  end
end
return lapsed
