-- ARGV[4] = entry. Returns the position.
return append(ARGV[4])
