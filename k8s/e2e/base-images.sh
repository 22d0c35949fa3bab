#!/usr/bin/env bash
# Local stand-ins for the public base images that k8s/Dockerfile and k8s/loadtest/Dockerfile name, for machines
# that reach no container registry (this project's CI and developer machines). Afterwards
#   podman build --pull=never -f k8s/Dockerfile -t vertx-classifier:dev .
# works unmodified. The script:
#   1. installs podman, buildah, runc, debootstrap and catatonit (podman's pod pause image) from Debian's packages
#      if missing (apt-get, as root);
#   2. writes /etc/containers/containers.conf if absent (runc, cgroupfs, ulimits: see DEFAULT_CONF below);
#   3. reads every FROM line of the Dockerfiles and builds each public image named there that is not in local
#      storage yet, under that same name:
#        debian:bookworm[-slim]          debootstrap --variant=minbase bookworm, podman import
#        eclipse-temurin:<V>-jre|-jdk    that Debian + the host's JDK <V> (Temurin's, else Debian's OpenJDK),
#                                        as /opt/java/openjdk with JAVA_HOME and PATH set; -jre drops the tools
#        maven:3-eclipse-temurin-<V>     eclipse-temurin:<V>-jdk + the host's Maven (/usr/share/maven) and the
#                                        host's CA certificates, so a build stage reaches the Maven repository
# Idempotent: images already present are kept (FORCE=1 rebuilds them). The debootstrapped rootfs is cached as a
# tarball in $E2E_CACHE (default /var/cache/vertx-classifier-e2e) and survives `podman system reset`.
# Exit status: 0 images ready; 77 this machine can't build them (the reason is printed: no root, no podman
# support, no JDK of a version a Dockerfile names); 1 anything else going wrong.
set -euo pipefail
cd "$(dirname "$0")/../.."

CACHE=${E2E_CACHE:-/var/cache/vertx-classifier-e2e}
read -r -a DOCKERFILES <<<"${DOCKERFILES:-k8s/Dockerfile k8s/loadtest/Dockerfile}"
SUITE=bookworm

log() { printf 'base-images: %s\n' "$*" >&2; }
skip() { log "SKIP: $*"; exit 77; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root (apt-get, debootstrap, rootful podman); run it with sudo"

# --- 1. tools -------------------------------------------------------------------------------------------------
missing=()
for t in podman:podman buildah:buildah runc:runc debootstrap:debootstrap catatonit:catatonit; do
  command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
done
if ((${#missing[@]})); then
  log "installing from Debian's packages: ${missing[*]}"
  apt-get update -qq || skip "apt-get update failed; cannot install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
      uidmap netavark aardvark-dns iptables >/dev/null \
    || skip "could not install ${missing[*]} from Debian's packages"
fi

# --- 2. containers.conf ---------------------------------------------------------------------------------------
# runc: crun refuses the hybrid cgroup hierarchy of these machines. cgroupfs: no systemd as PID 1 here.
# Ulimits set explicitly: the default asks for more than the container may raise without CAP_SYS_RESOURCE.
CONF=/etc/containers/containers.conf
if [ ! -e "$CONF" ]; then
  log "writing $CONF (runc, cgroupfs, nofile/nproc ulimits)"
  mkdir -p /etc/containers
  cat >"$CONF" <<'EOF'
# Written by vertx-classifier's k8s/e2e/base-images.sh.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
else
  for key in 'runtime *= *"runc"' 'cgroup_manager *= *"cgroupfs"' 'default_ulimits'; do
    grep -Eq "^[[:space:]]*$key" "$CONF" || log "note: $CONF exists and has no line matching '$key' (left as is)"
  done
fi

# Can podman run a container at all here? (Nested sandboxes without cgroups or user namespaces can't.)
podman info >/dev/null 2>&1 || skip "podman is installed but 'podman info' fails: $(podman info 2>&1 | tail -1)"

# --- 3. the images ---------------------------------------------------------------------------------------------
# Every FROM image of the Dockerfiles, minus the names of earlier stages, without "AS name" and "--platform".
wanted() {
  local f
  for f in "${DOCKERFILES[@]}"; do
    [ -f "$f" ] || { log "note: $f not found, skipping its FROM lines"; continue; }
    awk 'toupper($1) == "FROM" {
           img = ""; stage = ""
           for (i = 2; i <= NF; i++) {
             if ($i ~ /^--/) continue
             if (img == "") img = $i
             else if (toupper($i) == "AS" && i < NF) stage = $(i + 1)
           }
           if (!(img in stages)) print img
           if (stage != "") stages[stage] = 1
         }' "$f"
  done | sort -u
}

# Full name as podman stores it: "maven:3-eclipse-temurin-25" -> "docker.io/library/maven:3-eclipse-temurin-25".
full_name() {
  local n=$1
  case "$n" in
    */*/*) ;;
    */*) n="docker.io/$n" ;;
    *) n="docker.io/library/$n" ;;
  esac
  case "${n##*/}" in *:*) ;; *) n="$n:latest" ;; esac
  printf '%s\n' "$n"
}

# cp -a, then every symlink replaced by what it points to (Debian's OpenJDK and Maven link into /etc and
# /usr/share/java; the JDK's cacerts links to the host's truststore); dangling links are dropped.
copy_deref() {
  cp -a "$1" "$2"
  local l o
  find "$2" -type l -print0 | while IFS= read -r -d '' l; do
    o="$1/${l#"$2"/}"   # resolve against the original: relative links point outside the copy
    rm "$l"
    [ ! -e "$o" ] || cp -aL "$o" "$l"
  done
}

have() { podman image exists "$1" && [ -z "${FORCE:-}" ]; }

# The host JDK of a feature version: Temurin's if installed, else Debian's OpenJDK.
host_jdk() {
  local v=$1 d
  for d in /usr/lib/jvm/temurin-"$v"-jdk-* /usr/lib/jvm/java-"$v"-openjdk-*; do
    [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] && { printf '%s\n' "$d"; return 0; }
  done
  return 1
}

# The Debian mirror this host's apt uses (read, not written down here), for debootstrap.
debian_mirror() {
  local m
  m=$(grep -hoE '^(URIs:|deb) +[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
        | awk '{print $2}' | grep -E '/debian/?$' | head -1) || true
  [ -n "$m" ] || die "no Debian mirror found in /etc/apt/sources.list(.d)"
  printf '%s\n' "$m"
}

build_debian() {  # $1 = full name
  local tarball="$CACHE/debian-$SUITE-minbase.tar"
  if [ ! -s "$tarball" ]; then
    local mirror root
    mirror=$(debian_mirror)
    root=$(mktemp -d "${TMPDIR:-/tmp}/e2e-rootfs.XXXXXX")
    log "debootstrap --variant=minbase $SUITE (Debian's packages; takes a minute or two)"
    debootstrap --variant=minbase "$SUITE" "$root" "$mirror" >"$root.log" 2>&1 \
      || { tail -20 "$root.log" >&2; rm -rf "$root" "$root.log"; skip "debootstrap failed (no Debian packages reachable?)"; }
    rm -f "$root.log"
    # Slim like the public image: no docs, man pages, locales or package lists.
    rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
           "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    mkdir -p "$CACHE"
    tar -C "$root" --numeric-owner -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  else
    log "using cached rootfs $tarball"
  fi
  podman import -q --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tarball" "$1" >/dev/null
}

ensure_debian() {
  local d; d=$(full_name "debian:$SUITE-slim")
  have "$d" || { log "building $d (stand-in)"; build_debian "$d"; }
  printf '%s\n' "$d"
}

build_temurin() {  # $1 = full name, $2 = feature version, $3 = jre|jdk
  local name=$1 v=$2 kind=$3 jdk base ctx
  jdk=$(host_jdk "$v") || skip "$name needs a JDK $v on this host (looked for /usr/lib/jvm/temurin-$v-jdk-* and java-$v-openjdk-*): none, so no stand-in"
  base=$(ensure_debian)
  ctx=$(mktemp -d "${TMPDIR:-/tmp}/e2e-ctx.XXXXXX")
  copy_deref "$jdk" "$ctx/openjdk"
  rm -rf "$ctx/openjdk"/{jmods,include,man,demo,sample,docs} "$ctx/openjdk/lib/src.zip"
  if [ "$kind" = jre ]; then
    # A JRE has the launcher and a few runtime tools, not jcmd/jstack/javac (as the public -jre image).
    find "$ctx/openjdk/bin" -type f ! -name java ! -name keytool ! -name jfr ! -name jrunscript \
      ! -name jwebserver ! -name rmiregistry -delete
  fi
  cat >"$ctx/Containerfile" <<EOF
FROM $base
COPY openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk LANG=C.UTF-8
ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL io.github.vertxclassifier.stand-in="local stand-in for $name: Debian $SUITE + host JDK $v ($kind)"
CMD ["java", "-version"]
EOF
  podman build --pull=never -q -t "$name" "$ctx" >/dev/null || { rm -rf "$ctx"; die "building $name failed"; }
  rm -rf "$ctx"
}

ensure_temurin() {  # $1 = feature version, $2 = jre|jdk; prints the full name
  local n; n=$(full_name "eclipse-temurin:$1-$2")
  have "$n" || { log "building $n (stand-in)"; build_temurin "$n" "$1" "$2"; }
  printf '%s\n' "$n"
}

build_maven() {  # $1 = full name, $2 = feature version
  local name=$1 v=$2 base ctx
  [ -x /usr/share/maven/bin/mvn ] || skip "$name needs the host's Maven in /usr/share/maven: not found"
  base=$(ensure_temurin "$v" jdk)
  ctx=$(mktemp -d "${TMPDIR:-/tmp}/e2e-ctx.XXXXXX")
  copy_deref /usr/share/maven "$ctx/maven"
  mkdir -p "$ctx/certs"
  cp -aL /etc/ssl/certs/ca-certificates.crt "$ctx/certs/"
  [ -d /usr/local/share/ca-certificates ] && cp -aL /usr/local/share/ca-certificates "$ctx/local-ca"
  [ -d "$ctx/local-ca" ] || mkdir "$ctx/local-ca"
  cat >"$ctx/Containerfile" <<EOF
FROM $base
COPY maven /usr/share/maven
COPY certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY local-ca /usr/local/share/ca-certificates
RUN ln -s /usr/share/maven/bin/mvn /usr/bin/mvn
ENV MAVEN_HOME=/usr/share/maven MAVEN_CONFIG=/root/.m2
LABEL io.github.vertxclassifier.stand-in="local stand-in for $name: Debian $SUITE + host JDK $v + host Maven"
CMD ["mvn", "--version"]
EOF
  podman build --pull=never -q -t "$name" "$ctx" >/dev/null || { rm -rf "$ctx"; die "building $name failed"; }
  rm -rf "$ctx"
}

images=$(wanted)
[ -n "$images" ] || die "no FROM lines found in ${DOCKERFILES[*]}"
for img in $images; do
  full=$(full_name "$img")
  if have "$full"; then log "$full present"; continue; fi
  case "${full#docker.io/library/}" in
    debian:bookworm-slim | debian:bookworm | debian:12-slim | debian:12)
      log "building $full (stand-in)"; build_debian "$full" ;;
    eclipse-temurin:[0-9]*)
      tag=${full##*:}; v=${tag%%[!0-9]*}; kind=jdk
      case "$tag" in *jre*) kind=jre ;; esac
      ensure_temurin "$v" "$kind" >/dev/null ;;
    maven:3-eclipse-temurin-[0-9]*)
      v=${full##*-}; log "building $full (stand-in)"; build_maven "$full" "$v" ;;
    *) die "no stand-in recipe for $img (named in a FROM line); add one to $0" ;;
  esac
done
log "ready: $(for i in $images; do printf '%s ' "$(full_name "$i")"; done)"
