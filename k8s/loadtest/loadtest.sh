#!/bin/sh
# The local benchmark's scenario (bench/run: wrk --latency on the path of N bytes) in steps of rising connections,
# each long enough for the dashboard to show a plateau: 2 min = two rate windows at a 15 s scrape
# ($__rate_interval = 4 x 15 s). Prints a progress line every PROGRESS_EVERY while a step runs, then a summary.
#
#   1. Preflight: one GET of the classifier path as the load will send it (same host, server name, address).
#      A wrong host, a 404 or any non-200, an answer that is not the classifier's, a refused or timed-out
#      connection, a TLS failure: one line saying what is wrong and what to check, exit 2, within 5 s.
#   2. Each step runs wrk in slices of PROGRESS_EVERY (10 s) and prints one line per slice. Each slice opens new
#      connections, so a pod the HPA adds mid-step gets traffic within 10 s even through a Service (kube-proxy
#      balances per connection). The cost: STEPS' connections reopened (and TLS handshakes) every 10 s, a gap of
#      a few milliseconds between slices, and latency percentiles per slice (the summary shows the worst slice).
#   3. The run stops at the first slice with socket errors, error answers (wrk counts status >= 400), no answer,
#      or a wrk failure: exit 1, the later steps are not run.
#
# Environment (the Job's ConfigMap, k8s/loadtest/kustomization.yaml):
#   TARGET_URL     base URL, no path, with the host name the route serves: the TLS server name (SNI) and Host
#                  (e.g. https://vertx-classifier.example.com). Required.
#   CONNECT_TO     optional host:port to connect to instead of TARGET_URL's host: the Gateway's or ingress
#                  controller's address. Empty: TARGET_URL's host is resolved (DNS) and connected to.
#   TLS_VERIFY     true (default): the preflight checks an https target's certificate against the image's CA
#                  bundle; false for a self-signed certificate (wrk itself never checks it).
#   N              path size in bytes, 1 + 10k: 1 -> "/", 11 -> "/helloworld", 101 -> "/" + 10 x "helloworld".
#   STEPS          connection counts, one step each, in order (each >= THREADS).
#   STEP_DURATION  length of each step: 90s, 2m, 1h (a bare number is seconds).
#   PROGRESS_EVERY progress (and reconnect) interval, same syntax, default 10s.
#   THREADS        wrk threads (give the Job that many CPUs).
#   WRK, CURL      the binaries (default: on PATH); CONNECT_LUA the wrk script for CONNECT_TO.
# Exit: 0 all steps clean; 1 a step failed (see 3); 2 bad parameters or the preflight failed.
# Writes nothing to disk (read-only root filesystem).
set -eu

TARGET_URL="${TARGET_URL:-}"
CONNECT_TO="${CONNECT_TO:-}"
TLS_VERIFY="${TLS_VERIFY:-true}"
N="${N:-11}"
STEPS="${STEPS:-4 16 64 256}"
STEP_DURATION="${STEP_DURATION:-120s}"
PROGRESS_EVERY="${PROGRESS_EVERY:-10s}"
THREADS="${THREADS:-4}"
WRK="${WRK:-wrk}"
CURL="${CURL:-curl}"
CONNECT_LUA="${CONNECT_LUA:-}"

die() {
  echo "loadtest: $*" >&2
  exit 2
}

is_count() {
  case "$1" in
    '' | *[!0-9]* | 0*) return 1 ;;
  esac
}

# seconds NAME VALUE: 90s, 2m, 1h or a bare number of seconds -> seconds
seconds() {
  case "$2" in
    *[smh]) n="${2%?}" ;;
    *) n="$2" ;;
  esac
  is_count "$n" || die "$1 must be a whole number with an optional unit s, m or h (90s, 2m), got '$2'"
  case "$2" in
    *m) echo $((n * 60)) ;;
    *h) echo $((n * 3600)) ;;
    *) echo "$n" ;;
  esac
}

case "$TARGET_URL" in
  http://?* | https://?*) ;;
  '') die "TARGET_URL is not set (e.g. https://vertx-classifier.example.com, the route's host name)" ;;
  *) die "TARGET_URL must start with http:// or https://, got '$TARGET_URL'" ;;
esac
scheme="${TARGET_URL%%://*}"
authority="${TARGET_URL#*://}"
authority="${authority%/}"
case "$authority" in
  */*) die "TARGET_URL is a base URL without a path (the path comes from N), got '$TARGET_URL'" ;;
  *@* | \[*) die "TARGET_URL must be scheme://host[:port] (no user, no IPv6 literal), got '$TARGET_URL'" ;;
esac
host="${authority%%:*}"
port="${authority#"$host"}"
port="${port#:}"
if [ -z "$port" ]; then
  port=80
  [ "$scheme" = http ] || port=443
fi
is_count "$port" || die "TARGET_URL's port must be a number, got '$TARGET_URL'"
connect_host="" connect_port=""
if [ -n "$CONNECT_TO" ]; then
  connect_host="${CONNECT_TO%:*}"
  connect_port="${CONNECT_TO##*:}"
  case "$CONNECT_TO" in
    *:*) ;;
    *) connect_port="" ;;
  esac
  if [ -z "$connect_host" ] || ! is_count "$connect_port"; then
    die "CONNECT_TO must be host:port (the Gateway's address and listener port), got '$CONNECT_TO'"
  fi
fi
case "$TLS_VERIFY" in
  true | false) ;;
  *) die "TLS_VERIFY must be true or false, got '$TLS_VERIFY'" ;;
esac
is_count "$N" || die "N must be a whole number 1 + 10k (1, 11, 101, 1001), got '$N'"
[ $(((N - 1) % 10)) -eq 0 ] || die "N must be 1 + 10k (1, 11, 101, 1001), got $N"
is_count "$THREADS" || die "THREADS must be a whole number >= 1, got '$THREADS'"
step_s="$(seconds STEP_DURATION "$STEP_DURATION")"
every_s="$(seconds PROGRESS_EVERY "$PROGRESS_EVERY")"
[ -n "$(echo "$STEPS" | tr -d ' ')" ] || die "STEPS is empty (e.g. \"4 16 64 256\")"
for c in $STEPS; do
  is_count "$c" || die "STEPS must be whole numbers >= 1 separated by spaces, got '$c' in '$STEPS'"
  [ "$c" -ge "$THREADS" ] || die "every step needs at least THREADS=$THREADS connections (wrk), got $c in '$STEPS'"
done
command -v "$WRK" >/dev/null 2>&1 || die "wrk not found ('$WRK')"
command -v "$CURL" >/dev/null 2>&1 || die "curl not found ('$CURL')"
if [ -n "$CONNECT_TO" ] && [ -z "$CONNECT_LUA" ]; then
  for f in "$(dirname "$0")/connect-to.lua" /usr/local/share/loadtest/connect-to.lua; do
    [ -f "$f" ] && CONNECT_LUA="$f" && break
  done
  [ -n "$CONNECT_LUA" ] || die "connect-to.lua (the wrk script for CONNECT_TO) not found next to $0"
fi

path="/"
i=1
while [ "$i" -lt "$N" ]; do
  path="${path}helloworld"
  i=$((i + 10))
done
url="${TARGET_URL%/}${path}"
address="${CONNECT_TO:-$host:$port}"

# --- preflight: one request as the load sends it -------------------------------------------------------------
preflight() {
  set -- -s --noproxy "*" --connect-timeout 3 --max-time 5 -H "User-Agent: vertx-classifier-loadtest"
  [ -n "$CONNECT_TO" ] && set -- "$@" --connect-to "$host:$port:$connect_host:$connect_port"
  [ "$TLS_VERIFY" = false ] && set -- "$@" --insecure
  crc=0
  res="$("$CURL" "$@" -w '\n%{http_code} %{errormsg}' "$url" 2>/dev/null)" || crc=$?
  status="$(echo "$res" | tail -n 1)"
  code="${status%% *}"
  why="${status#"$code"}"
  why="${why# }"
  pre="preflight GET $url via $address:"
  case "$crc" in
    0) ;;
    6) die "$pre cannot resolve the host ($why): TARGET_URL's host is the route's host name;" \
      "set CONNECT_TO to the Gateway's address if DNS does not know it" ;;
    7) die "$pre connection refused ($why): nothing listens there;" \
      "check the port of TARGET_URL / CONNECT_TO (the Gateway's listener)" ;;
    28) die "$pre no answer within 5 s ($why): a wrong address, or a firewall / NetworkPolicy dropping the packets" ;;
    60 | 51) die "$pre TLS certificate not trusted for '$host' ($why):" \
      "the listener's certificate must name that host; TLS_VERIFY=false for a self-signed one" ;;
    35 | 53 | 54 | 58 | 59 | 64 | 66 | 80 | 83 | 90 | 91) die "$pre TLS handshake failed for server name '$host'" \
      "($why): is it an https listener, and does it serve that host name?" ;;
    52 | 56) die "$pre the connection closed without an answer ($why): http:// to a TLS port?" ;;
    *) die "$pre curl exit $crc ($why)" ;;
  esac
  [ "$code" = 200 ] || die "$pre answered $code, not 200: check that the route serves host '$host'" \
    "(HTTPRoute hostnames, Ingress host) and leads to the classifier"
  case "$res" in
    *"total:"*) ;;
    *) die "$pre answered 200 but not the classifier's answer (no 'total:' line):" \
      "TARGET_URL / CONNECT_TO lead to another service" ;;
  esac
}
preflight

# shellcheck disable=SC2086 # one positional parameter per step
set -- $STEPS
echo "=== vertx-classifier load test: $url via $address (N=$N), preflight 200"
echo "=== $# steps of ${step_s}s, connections: $STEPS, wrk threads: $THREADS, progress every ${every_s}s"

# One wrk run of SECONDS with CONNECTIONS: wrk's report on stdout.
wrk_slice() {
  if [ -n "$CONNECT_TO" ]; then
    CONNECT_HOST="$connect_host" CONNECT_PORT="$connect_port" \
      "$WRK" -t"$THREADS" -c"$1" -d"$2s" --latency -s "$CONNECT_LUA" "$url" 2>&1
  else
    "$WRK" -t"$THREADS" -c"$1" -d"$2s" --latency "$url" 2>&1
  fi
}

# wrk's report -> r=requests s50=p50_ms s99=p99_ms sbad=error_answers ssock=socket_errors
parse() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return v * 0.001
      if (v ~ /ms$/) return v + 0
      if (v ~ /s$/) return v * 1000
      if (v ~ /m$/) return v * 60000
      return v + 0
    }
    $2 == "requests" && $3 == "in" { requests = $1 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /^ *Non-2xx or 3xx responses:/ { bad = $NF }
    /^ *Socket errors:/ { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
    END { printf "r=%d s50=%.3f s99=%.3f sbad=%d ssock=%d\n", requests, p50, p99, bad, sock }'
}

summary=""
failed=""
step=0
for c in $STEPS; do
  step=$((step + 1))
  echo "--- step $step/$#: $c connections for ${step_s}s (wrk -t$THREADS -c$c --latency, ${every_s}s slices)"
  elapsed=0 requests=0 p50=0 p99=0 bad=0 sock=0
  while [ "$elapsed" -lt "$step_s" ] && [ -z "$failed" ]; do
    slice=$((step_s - elapsed))
    [ "$slice" -le "$every_s" ] || slice="$every_s"
    rc=0 r=0 s50=0 s99=0 sbad=0 ssock=0
    out="$(wrk_slice "$c" "$slice")" || rc=$?
    elapsed=$((elapsed + slice))
    eval "$(echo "$out" | parse)"
    requests=$((requests + r)) bad=$((bad + sbad)) sock=$((sock + ssock))
    p50="$(awk -v a="$p50" -v b="$s50" 'BEGIN { print (b > a ? b : a) }')"
    p99="$(awk -v a="$p99" -v b="$s99" 'BEGIN { print (b > a ? b : a) }')"
    printf '    step %d/%d, %d connections: %4ds/%ds %9.0f req/s  p50 %.2fms  p99 %.2fms  %s\n' \
      "$step" "$#" "$c" "$elapsed" "$step_s" "$(awk -v r="$r" -v s="$slice" 'BEGIN { print r / s }')" \
      "$s50" "$s99" "$sbad error answers, $ssock socket errors"
    if [ "$rc" -ne 0 ] || [ "$r" -eq 0 ] || [ "$sbad" -ne 0 ] || [ "$ssock" -ne 0 ]; then
      echo "$out"
      why="$r answers, $sbad error answers, $ssock socket errors"
      [ "$rc" -eq 0 ] || why="wrk exit $rc"
      failed="step $step/$# ($c connections) after ${elapsed}s: $why"
    fi
  done
  row="$(printf '%11s %10s %11.0f %10.2fms %10.2fms %11s %13s  %s' "$c" "$requests" \
    "$(awk -v r="$requests" -v s="$elapsed" 'BEGIN { print r / s }')" "$p50" "$p99" "$bad" "$sock" \
    "$([ -z "$failed" ] && echo ok || echo FAILED)")"
  summary="$summary$row
"
  [ -z "$failed" ] || break
done

echo "=== summary: $url via $address (N=$N), ${step_s}s per step, $THREADS wrk threads;" \
  "p50/p99: worst ${every_s}s slice"
printf "%11s %10s %11s %12s %12s %11s %13s  %s\n" connections requests req/s p50 p99 non-2xx/3xx socket-errors result
printf "%s" "$summary"
if [ -n "$failed" ]; then
  echo "=== FAILED: $failed; the later steps were not run" >&2
  exit 1
fi
echo "=== ok"
