-- Partitioned log, step 2 of a selection, in one session partition: ARGV[4..] = local selection
-- (select.lua, read_local). Returns {truncated, {ids}}.
local sel = read_local(4)
local ids, truncated = select_local(sel)
return {truncated, ids}
