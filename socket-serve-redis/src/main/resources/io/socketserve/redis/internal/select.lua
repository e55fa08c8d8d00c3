-- Selections (see Selection.java), shared by the batched scripts; runs after prelude.lua.
-- A selection travels in ARGV from index i: namespace, max, #rooms, #except rooms, #except ids,
-- then the rooms, the except rooms and the except ids (room keys include the namespace).

local NS_SEP = '\031' -- Selection.NAMESPACE_SEPARATOR (U+001F)

local function read_selection(i)
  local sel = {ns = ARGV[i], max = tonumber(ARGV[i + 1]), rooms = {}, except_rooms = {}, except_ids = {}}
  local nr, ne, ni = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  i = i + 5
  for k = 1, nr do
    sel.rooms[k] = ARGV[i]
    i = i + 1
  end
  for k = 1, ne do
    sel.except_rooms[k] = ARGV[i]
    i = i + 1
  end
  for _ = 1, ni do
    sel.except_ids[#sel.except_ids + 1] = ARGV[i]
    i = i + 1
  end
  return sel, i
end

-- The public id a room key names as an implicit room (Selection.idOf), or nil.
local function id_of(ns, key)
  if ns == '/' then
    return key
  end
  local head = ns .. NS_SEP
  if #key > #head and string.sub(key, 1, #head) == head then
    return string.sub(key, #head + 1)
  end
  return nil
end

-- Calls fn(member) for every member of a set, a page of SSCAN at a time, until fn returns false;
-- returns false when it stopped early.
local function each_member(key, fn)
  local cursor = '0'
  repeat
    local page = redis.call('SSCAN', key, cursor, 'COUNT', 256)
    cursor = page[1]
    for _, m in ipairs(page[2]) do
      if fn(m) == false then
        return false
      end
    end
  until cursor == '0'
  return true
end

-- The ids the selection holds, at most sel.max of them, and 1 when more matched (else 0). Stops
-- looking once it found one more than max. Per candidate: one HGET, plus one SISMEMBER per except
-- room. Ids in the namespace index whose session is gone (safety TTL) are dropped from it.
local function select_ids(sel)
  local except = {}
  for _, id in ipairs(sel.except_ids) do
    except[id] = true
  end
  for _, room in ipairs(sel.except_rooms) do
    local id = id_of(sel.ns, room)
    if id then
      except[id] = true
    end
  end
  local index = P .. 'ns:' .. sel.ns
  local everyone = #sel.rooms == 0
  local seen, out, truncated = {}, {}, 0
  local function consider(id)
    if seen[id] or except[id] then
      return true
    end
    seen[id] = true
    local ns = redis.call('HGET', P .. 's:' .. id, 'ns')
    if not ns then
      if everyone then
        redis.call('SREM', index, id)
      end
      return true
    end
    if ns ~= sel.ns then
      return true
    end
    for _, room in ipairs(sel.except_rooms) do
      if redis.call('SISMEMBER', P .. 'r:' .. room, id) == 1 then
        return true
      end
    end
    if #out == sel.max then
      truncated = 1
      return false
    end
    out[#out + 1] = id
    return true
  end
  if everyone then
    each_member(index, consider)
  else
    for _, room in ipairs(sel.rooms) do
      local id = id_of(sel.ns, room)
      if id and consider(id) == false then
        break
      end
      if each_member(P .. 'r:' .. room, consider) == false then
        break
      end
    end
  end
  return out, truncated
end

-- Room keys from ARGV[first..], each once, in order.
local function distinct_rooms(first)
  local rooms, seen = {}, {}
  for k = first, #ARGV do
    if not seen[ARGV[k]] then
      seen[ARGV[k]] = true
      rooms[#rooms + 1] = ARGV[k]
    end
  end
  return rooms
end

-- A partitioned log (more than one partition; see RedisPartitionedBatches.java) evaluates a
-- selection in steps: the rooms' members are read in the rooms' partitions (select_rooms.lua), then
-- each session partition keeps the candidates that are sessions of the namespace (select_local.lua).
-- Such a local selection travels in ARGV from index i: namespace, max, 'a' (every session of the
-- namespace in this partition) or 'c' (the candidates given), #except ids, #candidates, then the
-- except ids and the candidates.
local function read_local(i)
  local sel = {ns = ARGV[i], max = tonumber(ARGV[i + 1]), everyone = ARGV[i + 2] == 'a', except = {}, ids = {}}
  local ne, nc = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  i = i + 5
  for _ = 1, ne do
    sel.except[ARGV[i]] = true
    i = i + 1
  end
  for k = 1, nc do
    sel.ids[k] = ARGV[i]
    i = i + 1
  end
  return sel, i
end

-- The ids of a local selection, at most sel.max of them, and 1 when more matched (else 0). Per
-- candidate one HGET; ids in the namespace index whose session is gone are dropped from it.
local function select_local(sel)
  local index = P .. 'ns:' .. sel.ns
  local seen, out, truncated = {}, {}, 0
  local function consider(id)
    if seen[id] or sel.except[id] then
      return true
    end
    seen[id] = true
    local ns = redis.call('HGET', P .. 's:' .. id, 'ns')
    if not ns then
      if sel.everyone then
        redis.call('SREM', index, id)
      end
      return true
    end
    if ns ~= sel.ns then
      return true
    end
    if #out == sel.max then
      truncated = 1
      return false
    end
    out[#out + 1] = id
    return true
  end
  if sel.everyone then
    each_member(index, consider)
  else
    for _, id in ipairs(sel.ids) do
      if consider(id) == false then
        break
      end
    end
  end
  return out, truncated
end
