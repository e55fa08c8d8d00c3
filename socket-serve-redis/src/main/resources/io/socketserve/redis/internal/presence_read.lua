-- ARGV[4] = 's' and a session id: {user or false, room/state pairs, live 0/1};
--        or 'r' and a room: {user/count pairs, user/state pairs}.
if ARGV[4] == 's' then
  local id = ARGV[5]
  local user = redis.call('GET', P .. 'pu:' .. id)
  if not user then
    return {0}
  end
  local live = redis.call('ZSCORE', PLIVE, id) and 1 or 0
  return {1, user, redis.call('HGETALL', P .. 'pr:' .. id), live}
end
local room = ARGV[5]
return {redis.call('HGETALL', P .. 'pru:' .. room), redis.call('HGETALL', P .. 'prs:' .. room)}
