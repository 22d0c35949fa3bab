-- wrk script for bench/run's varied-path rows: cycles through the paths of a file (one per line), in order.
--
--   wrk -t1 -c40 -d10s --latency -s bench/varied.lua http://127.0.0.1:PORT -- PATHS_FILE
--
-- The requests are formatted once, in init(): wrk's own wrk.init has set the Host header by then (from the
-- URL), so each one is a complete request, and request() only hands the next one out.
local requests, i = {}, 0

function init(args)
  assert(args[1], "usage: wrk ... -s varied.lua URL -- PATHS_FILE")
  for path in io.lines(args[1]) do
    if path ~= "" then requests[#requests + 1] = wrk.format("GET", path) end
  end
  assert(#requests > 0, "no paths in " .. args[1])
end

function request()
  i = i % #requests + 1
  return requests[i]
end
