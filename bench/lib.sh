# Helpers shared by the bench scripts. Source it after setting root (the project) and PY (a python3).
# shellcheck shell=bash
# shellcheck disable=SC2154 # root and PY are set by the script that sources this file (see above)

# The image's JVM (k8s/Dockerfile: Java 25) where this machine has it: Temurin 25 LTS beside the default JDK.
# shellcheck disable=SC2034 # used by the scripts that source this file
TEMURIN_25_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
# The script named by its path in the project (bench/coldstart/placement), however it was called.
die() { echo "$(realpath --relative-to="$root" "$0" 2>/dev/null || echo "${0##*/}"): $*" >&2; exit 2; }

# The load tools every HTTP benchmark here needs.
require_load_tools() {
  local tool
  for tool in wrk taskset curl java; do
    command -v "$tool" >/dev/null || die "'$tool' is missing (Debian: wrk, util-linux, curl, openjdk-17-jre-headless)"
  done
}

# N as the spec's experiment defines it: 1, 11, 101, ... (the path is "/" + k x "helloworld").
require_valid_n() {
  [[ $1 =~ ^[0-9]+$ && $1 -ge 1 && $(( ($1 - 1) % 10 )) -eq 0 ]] || die "N must be 1 + 10k (1, 11, 101, ...), got '$1'"
}
path_of() { local n=$1 p="/" i; for ((i = 0; i < (n - 1) / 10; i++)); do p+="helloworld"; done; echo "$p"; }

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Builds target/vertx-classifier.jar unless SKIP_BUILD=1 and it exists.
build_jar() {
  if [[ ${SKIP_BUILD:-} != 1 || ! -f $root/target/vertx-classifier.jar ]]; then
    log "building the service jar (./mvnw -B -q -Dstyle.color=never package -DskipTests)"
    (cd "$root" && ./mvnw -B -q -Dstyle.color=never package -DskipTests)
  fi
}

# The file that counts the CPU time (ns) of process $1's container: its cgroup v1 cpuacct.usage.
cpuacct_usage() { echo "/sys/fs/cgroup/cpuacct$(awk -F: '$2 ~ /cpuacct/ {print $3}' "/proc/$1/cgroup")/cpuacct.usage"; }

# podman run's -e options for the service on loopback: public port $1, management port $2, INSTANCES $3,
# JAVA_TOOL_OPTIONS $4, no drain at stop. Sets the array SERVICE_ENV.
service_env() {
  SERVICE_ENV=(-e HTTP_HOST=127.0.0.1 -e HTTP_PORT="$1" -e MANAGEMENT_HOST=127.0.0.1 -e MANAGEMENT_PORT="$2"
    -e SHUTDOWN_DRAIN_SECONDS=0 -e INSTANCES="$3" -e JAVA_TOOL_OPTIONS="$4")
}

# The pod size of k8s/overlays/$1 as "CPUS MEMORY JAVA_TOOL_OPTIONS...": its Deployment's limits.cpu (whole cores),
# limits.memory in podman's units (512m, 1g) and the container's JAVA_TOOL_OPTIONS. Needs kubectl and python3-yaml.
overlay_size() {
  local overlay=$1 size
  [[ -d $root/k8s/overlays/$overlay ]] || die "no overlay k8s/overlays/$overlay"
  size=$(kubectl kustomize "$root/k8s/overlays/$overlay" | $PY -c '
import sys, yaml
for doc in yaml.safe_load_all(sys.stdin):
    if doc and doc.get("kind") == "Deployment":
        c = doc["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value", "") for e in c.get("env", [])}
        limits = c["resources"]["limits"]
        memory = limits["memory"].replace("Mi", "m").replace("Gi", "g")
        print(limits["cpu"], memory, env.get("JAVA_TOOL_OPTIONS", ""))
') || die "cannot read the size of k8s/overlays/$overlay"
  [[ ${size%% *} =~ ^[0-9]+$ ]] || die "k8s/overlays/$overlay: limits.cpu '${size%% *}' is not whole cores"
  echo "$size"
}
