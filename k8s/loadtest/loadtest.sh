#!/bin/sh
# The local benchmark's scenario (bench/run: wrk --latency on the path of N bytes) in steps of rising
# connections, long enough per step for a dashboard at a 30 s scrape ($__rate_interval = 2m) to show every
# pod's event loops filling up. Prints each step's wrk output, then a summary table.
#
# Environment (the Job's ConfigMap, k8s/loadtest/kustomization.yaml):
#   TARGET_URL     base URL, no path: the Gateway, the Ingress controller or the Service
#                  (e.g. http://vertx-classifier.vertx-classifier.svc:8080). Required.
#   HOST_HEADER    optional Host header (the HTTPRoute hostname / Ingress host when TARGET_URL is an address).
#   N              path size in bytes, 1 + 10k: 1 -> "/", 11 -> "/helloworld", 101 -> "/" + 10 x "helloworld".
#   STEPS          connection counts, one wrk run each, in order (each >= THREADS).
#   STEP_DURATION  length of each step, wrk syntax: 90s, 2m, 1h (a bare number is seconds).
#   THREADS        wrk threads (give the Job that many CPUs).
#   WRK            the wrk binary (default: wrk on PATH).
# Exit: 0 all steps clean; 1 a step had socket errors, error answers (wrk counts status >= 400), no answer at
# all, or wrk failed; 2 bad parameters.
# Writes nothing to disk (read-only root filesystem).
set -eu

TARGET_URL="${TARGET_URL:-}"
HOST_HEADER="${HOST_HEADER:-}"
N="${N:-11}"
STEPS="${STEPS:-4 16 64 256}"
STEP_DURATION="${STEP_DURATION:-120s}"
THREADS="${THREADS:-4}"
WRK="${WRK:-wrk}"

die() {
  echo "loadtest: $*" >&2
  exit 2
}

is_count() {
  case "$1" in
    '' | *[!0-9]* | 0*) return 1 ;;
  esac
}

case "$TARGET_URL" in
  http://?* | https://?*) ;;
  '') die "TARGET_URL is not set (e.g. http://vertx-classifier.vertx-classifier.svc:8080)" ;;
  *) die "TARGET_URL must start with http:// or https://, got '$TARGET_URL'" ;;
esac
case "${TARGET_URL#*://}" in
  */?*) die "TARGET_URL is a base URL without a path (the path comes from N), got '$TARGET_URL'" ;;
esac
is_count "$N" || die "N must be a whole number 1 + 10k (1, 11, 101, 1001), got '$N'"
[ $(((N - 1) % 10)) -eq 0 ] || die "N must be 1 + 10k (1, 11, 101, 1001), got $N"
is_count "$THREADS" || die "THREADS must be a whole number >= 1, got '$THREADS'"
case "$STEP_DURATION" in
  [1-9] | [1-9]*[0-9] | [1-9]*[smh])
    is_count "${STEP_DURATION%[smh]}" || die "STEP_DURATION must be a number with an optional unit s, m or h (90s, 2m), got '$STEP_DURATION'" ;;
  *) die "STEP_DURATION must be a number with an optional unit s, m or h (90s, 2m), got '$STEP_DURATION'" ;;
esac
[ -n "$(echo "$STEPS" | tr -d ' ')" ] || die "STEPS is empty (e.g. \"4 16 64 256\")"
for c in $STEPS; do
  is_count "$c" || die "STEPS must be whole numbers >= 1 separated by spaces, got '$c' in '$STEPS'"
  [ "$c" -ge "$THREADS" ] || die "every step needs at least THREADS=$THREADS connections (wrk), got $c in '$STEPS'"
done
command -v "$WRK" >/dev/null 2>&1 || die "wrk not found ('$WRK')"

path="/"
i=1
while [ "$i" -lt "$N" ]; do
  path="${path}helloworld"
  i=$((i + 10))
done
url="${TARGET_URL%/}${path}"
set -- $STEPS
echo "=== vertx-classifier load test: $url (N=$N) host_header=${HOST_HEADER:-<none>}"
echo "=== $# steps of $STEP_DURATION, connections: $STEPS, wrk threads: $THREADS"

summary=""
failed=0
step=0
for c in $STEPS; do
  step=$((step + 1))
  echo "--- step $step/$#: wrk -t$THREADS -c$c -d$STEP_DURATION --latency $url"
  rc=0
  if [ -n "$HOST_HEADER" ]; then
    out="$("$WRK" -t"$THREADS" -c"$c" -d"$STEP_DURATION" --latency -H "Host: $HOST_HEADER" "$url" 2>&1)" || rc=$?
  else
    out="$("$WRK" -t"$THREADS" -c"$c" -d"$STEP_DURATION" --latency "$url" 2>&1)" || rc=$?
  fi
  echo "$out"
  # One summary row from wrk's report: requests, req/s, p50, p99, error answers, socket errors.
  row="$(echo "$out" | awk -v c="$c" -v rc="$rc" '
    $2 == "requests" && $3 == "in" { requests = $1 }
    $1 == "Requests/sec:" { rps = $2 }
    $1 == "50%" { p50 = $2 }
    $1 == "99%" { p99 = $2 }
    /^ *Non-2xx or 3xx responses:/ { bad = $NF }
    /^ *Socket errors:/ { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
    END {
      ok = (rc == 0 && requests + 0 > 0 && bad + 0 == 0 && sock + 0 == 0)
      printf "%11s %10s %11s %9s %9s %11s %13s  %s\n", c, (requests == "" ? "-" : requests),
        (rps == "" ? "-" : rps), (p50 == "" ? "-" : p50), (p99 == "" ? "-" : p99), bad + 0, sock + 0,
        (ok ? "ok" : (rc != 0 ? "FAILED (wrk exit " rc ")" : "FAILED"))
    }')"
  case "$row" in
    *FAILED*) failed=1 ;;
  esac
  summary="$summary$row
"
done

echo "=== summary: $url (N=$N), $STEP_DURATION per step, $THREADS wrk threads"
printf "%11s %10s %11s %9s %9s %11s %13s  %s\n" connections requests req/s p50 p99 non-2xx/3xx socket-errors result
printf "%s" "$summary"
if [ "$failed" -ne 0 ]; then
  echo "=== FAILED: a step had socket errors, error answers, no answer or no wrk report" >&2
  exit 1
fi
echo "=== ok"
