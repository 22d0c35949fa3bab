# Helpers shared by the bench scripts. Source it after setting root (the project) and PY (a python3).
# shellcheck shell=bash
# shellcheck disable=SC2154 # root and PY are set by the script that sources this file (see above)

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "bench/${0##*/}: $*" >&2; exit 2; }

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
