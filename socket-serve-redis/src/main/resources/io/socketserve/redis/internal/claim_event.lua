-- ARGV[4] = session id, [5] = seq, [6] = window, [7] = now (ms), [8] = lease (ms), [9] = attempt.
-- Returns {0} claimed, {1} running, {2, answer} answered, {3} stale, {4} no such session.
-- The ledger ev:<id> (a hash) expires with the session record: h = highest seq claimed,
-- s:<seq> = 'L' .. lease end .. ':' .. attempt or 'A' .. answer, a:<seq>:<n> = position of the
-- event's n-th append.
local id = ARGV[4]
local s = P .. 's:' .. id
local ttl = redis.call('PTTL', s)
if ttl == -2 then
  return {4}
end
local ev = P .. 'ev:' .. id
local seq, window, now = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local highest = tonumber(redis.call('HGET', ev, 'h') or '0')
if seq <= highest - window then
  return {3}
end
local slot = redis.call('HGET', ev, 's:' .. ARGV[5])
if slot then
  if string.sub(slot, 1, 1) == 'A' then
    return {2, string.sub(slot, 2)}
  end
  if tonumber(string.match(slot, '^L(%d+)')) > now then
    return {1}
  end
end
if seq > highest then
  -- forget the numbers that fall out of the window: at most `window` of them were kept
  local from, to = math.max(highest - window + 1, 1), seq - window
  if to - from + 1 >= window then
    redis.call('DEL', ev)
  else
    for old = from, to do
      local f = str(old)
      redis.call('HDEL', ev, 's:' .. f)
      local n = 1
      while redis.call('HDEL', ev, 'a:' .. f .. ':' .. n) == 1 do
        n = n + 1
      end
    end
  end
  redis.call('HSET', ev, 'h', ARGV[5])
end
redis.call('HSET', ev, 's:' .. ARGV[5], 'L' .. str(now + tonumber(ARGV[8])) .. ':' .. ARGV[9])
if ttl > 0 then
  redis.call('PEXPIRE', ev, ttl)
end
return {0}
