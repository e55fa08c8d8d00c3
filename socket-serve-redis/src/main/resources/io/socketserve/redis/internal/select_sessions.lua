-- ARGV[4..] = selection (select.lua). Returns {truncated, {ids}}.
local sel = read_selection(4)
local ids, truncated = select_ids(sel)
return {truncated, ids}
