#!/bin/sh
# The local benchmark's scenario, through the Ingress: wrk -t$THREADS -c$CONNECTIONS -d$DURATION against the
# path of PATH_BYTES bytes: 1 -> "/", 11 -> "/helloworld", more -> "/" + "helloworld" repeated and cut to
# PATH_BYTES (101 -> "/" + 10 x "helloworld", 1001 -> "/" + 100 x "helloworld").
# Environment (from the vertx-classifier-loadtest ConfigMap): TARGET_URL (scheme://host[:port], no path),
# HOST_HEADER (optional Host header: the Ingress host when TARGET_URL is the ingress controller's Service),
# PATH_BYTES, THREADS, CONNECTIONS, DURATION. WRK: the wrk binary (default: wrk on PATH).
set -eu
: "${TARGET_URL:?TARGET_URL must be set}"
PATH_BYTES="${PATH_BYTES:-11}"
THREADS="${THREADS:-1}"
CONNECTIONS="${CONNECTIONS:-40}"
DURATION="${DURATION:-10s}"
WRK="${WRK:-wrk}"

case "$PATH_BYTES" in
  ''|*[!0-9]*) echo "PATH_BYTES must be a whole number >= 1, got '$PATH_BYTES'" >&2; exit 2 ;;
esac
[ "$PATH_BYTES" -ge 1 ] || { echo "PATH_BYTES must be >= 1, got $PATH_BYTES" >&2; exit 2; }

tail=""
while [ "${#tail}" -lt $((PATH_BYTES - 1)) ]; do
  tail="${tail}helloworld"
done
path="/"
if [ "$PATH_BYTES" -gt 1 ]; then
  path="/$(printf '%s' "$tail" | cut -c1-$((PATH_BYTES - 1)))"
fi

url="${TARGET_URL%/}${path}"
echo "=== vertx-classifier load test through the ingress"
echo "target=${TARGET_URL%/} host_header=${HOST_HEADER:-<none>} path_bytes=${PATH_BYTES} (${#path} sent)"
echo "wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION} --latency ${url}"
if [ -n "${HOST_HEADER:-}" ]; then
  exec "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Host: ${HOST_HEADER}" "$url"
fi
exec "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url"
