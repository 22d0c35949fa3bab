#!/usr/bin/env bash
# Memory under load at the base pod size (1 CPU, 512 MiB), in a container with the kernel's limits, as a pod runs:
#   docs/bench/memory/run.sh [JAVA_TOOL_OPTIONS]    (root, podman, wrk; image built by
#   podman build --pull=never -f k8s/Dockerfile -t vertx-classifier:k8s-test .)
# Default options: the base Deployment's (k8s/base/deployment.yaml). Load, 127.0.0.1 only: wrk 64 connections for
# 30 s and, at the same time, a hostile client (pipeline_flood.py: 4 connections x 200,000 pipelined requests, none
# read, held 20 s). Prints the container's RSS every 2 s, the cgroup's peak (memory.max_usage_in_bytes), its OOM
# kills, the exit state, and whether the service answers afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
IMAGE=${IMAGE:-localhost/vertx-classifier:k8s-test}
# The base Deployment's JAVA_TOOL_OPTIONS: its folded (>-) value, joined.
OPTS=${1:-$(awk '/name: JAVA_TOOL_OPTIONS/ {f = 1; next} f && /value: >-/ {v = 1; next}
                 v && /^ *-XX/ {sub(/^ */, ""); o = o (o ? " " : "") $0; next} v {exit} END {print o}' \
              "$here/../../../k8s/base/deployment.yaml")}
PUB=${PUB:-28080} MGMT=${MGMT:-29090}
name=vc-memory-$$
trap 'podman rm -f -t 0 "$name" >/dev/null 2>&1 || true' EXIT

echo "image $IMAGE; podman run --cpus=1 --memory=512m --memory-swap=512m; JAVA_TOOL_OPTIONS=$OPTS"
podman run -d --name "$name" --cpus=1 --memory=512m --memory-swap=512m -e INSTANCES=1 -e JAVA_TOOL_OPTIONS="$OPTS" \
  -p "127.0.0.1:$PUB:8080" -p "127.0.0.1:$MGMT:9090" "$IMAGE" >/dev/null
for _ in $(seq 120); do
  curl -fs -o /dev/null "http://127.0.0.1:$MGMT/health/ready" && break
  sleep 0.5
done
pid=$(podman inspect -f '{{.State.Pid}}' "$name")
cg=/sys/fs/cgroup/memory$(sed -n 's/^[0-9]*:memory://p' "/proc/$pid/cgroup")
rss() {
  sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null | awk '{printf "%.0f", $1/1024}'
}
usage() { echo $(($(cat "$cg/memory.usage_in_bytes" 2>/dev/null || echo 0) / 1048576)); }
echo "ready; RSS $(rss) MiB, cgroup usage $(usage) MiB"

python3 "$here/pipeline_flood.py" 127.0.0.1 "$PUB" 4 200000 20 >/tmp/$name.flood 2>&1 &
flood=$!
wrk -t1 -c64 -d30s "http://127.0.0.1:$PUB/helloworld" >/tmp/$name.wrk 2>&1 &
load=$!
for t in $(seq 2 2 36); do
  sleep 2
  if ! kill -0 "$pid" 2>/dev/null; then echo "t=${t}s: the JVM is gone"; break; fi
  echo "t=${t}s RSS $(rss) MiB, cgroup usage $(usage) MiB"
done
wait "$load" || true
wait "$flood" || true
grep -E 'Requests/sec|Socket errors|Non-2xx' "/tmp/$name.wrk" || true
sed 's/^/flood: /' "/tmp/$name.flood"
if [ -d "$cg" ]; then
  echo "cgroup peak (memory.max_usage_in_bytes) $(($(cat "$cg/memory.max_usage_in_bytes") / 1048576)) MiB of 512," \
    "failcnt $(cat "$cg/memory.failcnt"), $(grep oom_kill "$cg/memory.oom_control" | tr '\n' ' ')"
fi
# Afterwards: does it still answer (the flood's connections are closed)? Up to 30 s.
ok=no
for _ in $(seq 30); do
  if curl -fs -m 1 -o /dev/null "http://127.0.0.1:$PUB/helloworld"; then ok=yes; break; fi
  sleep 1
done
state=$(podman inspect -f 'running={{.State.Running}} exit={{.State.ExitCode}} oomkilled={{.State.OOMKilled}}' "$name")
echo "state: $state; answers GET /helloworld within 30 s after the load: $ok"
podman logs "$name" 2>&1 | grep -Eiv ' INFO |^Picked up|compiler directives' | cut -c1-200 \
  | sort | uniq -c | sort -rn | head -5
