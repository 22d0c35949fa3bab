-- wrk script of the load test (loadtest.sh, CONNECT_TO): connect to CONNECT_HOST:CONNECT_PORT instead of the URL's
-- host, like curl --connect-to. The URL's host stays the TLS server name (SNI) and the Host header, so a Gateway's
-- listener is loaded by the route's hostname through the Gateway's address, with no /etc/hosts entry and no DNS
-- record. Only wrk.resolve is replaced (wrk calls it once, before the threads start): no per-request Lua.
local connect_host, connect_port = os.getenv("CONNECT_HOST"), os.getenv("CONNECT_PORT")

function wrk.resolve(host, service)
  local addrs = wrk.lookup(connect_host, connect_port)
  for i = #addrs, 1, -1 do
    if not wrk.connect(addrs[i]) then
      table.remove(addrs, i)
    end
  end
  wrk.addrs = addrs
end
