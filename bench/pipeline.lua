-- wrk script for bench/metrics-overhead's PIPELINE: each write carries DEPTH requests for the URL's path, pipelined
-- (RFC 9112 §9.3.2); wrk counts each answer as one request.
--
--   wrk -t1 -c40 -d10s --latency -s bench/pipeline.lua http://127.0.0.1:PORT/PATH -- DEPTH
local batch

function init(args)
  local depth = tonumber(args[1])
  assert(depth and depth >= 1, "usage: wrk ... -s pipeline.lua URL -- DEPTH")
  batch = string.rep(wrk.format(), depth)
end

function request()
  return batch
end
