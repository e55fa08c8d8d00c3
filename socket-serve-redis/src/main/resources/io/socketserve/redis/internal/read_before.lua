-- ARGV[4] = read before this position, ARGV[5] = at most this many entries.
-- Returns {head, oldest, id1, entry1, id2, entry2, ...}, NEWEST FIRST (XREVRANGE); oldest is head + 1
-- when the log is empty.
local h = head()
local oldest = h + 1
local first = redis.call('XRANGE', LOG, '-', '+', 'COUNT', 1)
if #first > 0 then
  oldest = tonumber(string.sub(first[1][1], 3))
end
local out = {h, oldest}
local before = tonumber(ARGV[4])
if before > 1 then
  local to = '+'
  if before <= h then
    to = '0-' .. str(before - 1)
  end
  for _, e in ipairs(redis.call('XREVRANGE', LOG, to, '-', 'COUNT', ARGV[5])) do
    out[#out + 1] = e[1]
    out[#out + 1] = e[2][2]
  end
end
return out
