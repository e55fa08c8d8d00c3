-- Stand-alone (no prelude). A token bucket shared by every instance.
-- KEYS[1] = the bucket ({prefix}:rl:<key>, a hash: t = tokens, u = updated ms)
-- ARGV[1] = tokens per second, [2] = burst (capacity), [3] = now (ms, the caller's clock).
-- Returns 0 when a token was taken, else the milliseconds until one will be available.
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens, updated = burst, now
if b[1] then
  tokens, updated = tonumber(b[1]), tonumber(b[2])
  if now > updated then -- a caller whose clock is behind gets no refill, and no negative one
    tokens = math.min(burst, tokens + (now - updated) * rate / 1000)
    updated = now
  end
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) * 1000 / rate))
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', string.format('%d', updated))
-- a bucket left alone refills completely within burst / rate seconds; after that it may go
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
