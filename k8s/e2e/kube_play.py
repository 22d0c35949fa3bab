#!/usr/bin/python3
"""Turn the rendered quickstart overlay into what `podman kube play` can run as one replica.

Usage: kube_play.py RENDERED.yaml RUN_ID REPLICA PUBLIC_HOST_PORT MANAGEMENT_HOST_PORT > replica.yaml
       kube_play.py RENDERED.yaml --facts
         (prints: replicas grace_seconds readiness_period namespace cpu_quota_us memory_limit_bytes
         readiness_timeout readiness_failure_threshold)

Keeps the Deployment and the ConfigMaps its pod template mounts; everything else (Service, HPA, PDB,
Namespace) needs an API server. The pod template is left as rendered (securityContext, read-only root,
resources, probes, env, mounts) except for these changes, each needed by podman 4.3 on a machine without a
registry or a cluster:
  - Deployment name "<run>-<name>-<replica>": podman runs one pod per Deployment document (it ignores
    `replicas`), named "<deployment>-pod-0"; one document per replica gives distinct pods.
  - ConfigMap and emptyDir volume names prefixed with "<run>-" (podman creates named volumes from them; the
    prefix keeps replicas and concurrent runs apart and lets the cleanup remove exactly its own).
  - each containerPort gets hostIP 127.0.0.1 and a free hostPort: podman 4.3 publishes every containerPort
    on 0.0.0.0 under the same number otherwise (two replicas would collide, and the port would be public).
  - imagePullPolicy Never: no registry is reachable; the image is the one just built.
"""
import sys

import yaml


def load(path):
    return [d for d in yaml.safe_load_all(open(path)) if d]


def one(docs, kind):
    found = [d for d in docs if d.get("kind") == kind]
    if len(found) != 1:
        sys.exit(f"kube_play.py: expected exactly one {kind} in the rendered overlay, found {len(found)}")
    return found[0]


def facts(docs):
    dep = one(docs, "Deployment")
    hpas = [d for d in docs if d.get("kind") == "HorizontalPodAutoscaler"]
    replicas = hpas[0]["spec"].get("minReplicas", 1) if hpas else dep["spec"].get("replicas", 1)
    pod = dep["spec"]["template"]["spec"]
    grace = pod.get("terminationGracePeriodSeconds", 30)
    probe = pod["containers"][0].get("readinessProbe") or {}
    period = probe.get("periodSeconds", 10)
    timeout = probe.get("timeoutSeconds", 1)
    threshold = probe.get("failureThreshold", 3)
    ns = dep["metadata"].get("namespace", "default")
    limits = pod["containers"][0].get("resources", {}).get("limits", {})
    print(replicas, grace, period, ns, cpu_quota(limits.get("cpu", "0")), memory_bytes(limits.get("memory", "0")),
          timeout, threshold)


def cpu_quota(cpu):
    """CFS quota in microseconds per 100 ms period, as the runtime sets it for a CPU limit."""
    cpu = str(cpu)
    return int(cpu[:-1]) * 100 if cpu.endswith("m") else int(float(cpu) * 100000)


def memory_bytes(mem):
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6, "G": 10**9}
    mem = str(mem)
    for suffix, factor in units.items():
        if mem.endswith(suffix):
            return int(float(mem[: -len(suffix)]) * factor)
    return int(mem)


def replica(docs, run, index, public_port, management_port):
    dep = one(docs, "Deployment")
    pod = dep["spec"]["template"]["spec"]
    configmaps = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "ConfigMap"}
    out = []
    renamed = {}
    for vol in pod.get("volumes", []):
        old = vol["name"]
        vol["name"] = f"{run}-{index}-{old}"
        renamed[old] = vol["name"]
        if "configMap" in vol:
            cm_name = vol["configMap"]["name"]
            if cm_name not in configmaps:
                sys.exit(f"kube_play.py: volume {old} mounts ConfigMap {cm_name}, which the overlay does not render")
            cm = configmaps[cm_name]
            cm["metadata"]["name"] = f"{run}-{index}-{cm_name}"
            vol["configMap"]["name"] = cm["metadata"]["name"]
            out.append(cm)
    host_ports = {"http": public_port, "management": management_port}
    for c in pod["containers"]:
        c["imagePullPolicy"] = "Never"
        for m in c.get("volumeMounts", []):
            m["name"] = renamed[m["name"]]
        for p in c.get("ports", []):
            if p.get("name") not in host_ports:
                sys.exit(f"kube_play.py: unexpected container port {p} (expected names http and management)")
            p["hostIP"] = "127.0.0.1"
            p["hostPort"] = int(host_ports[p["name"]])
    dep["metadata"]["name"] = f"{run}-{dep['metadata']['name']}-{index}"
    dep["spec"]["replicas"] = 1
    out.append(dep)
    yaml.safe_dump_all(out, sys.stdout, sort_keys=False)


if __name__ == "__main__":
    docs = load(sys.argv[1])
    if sys.argv[2:] == ["--facts"]:
        facts(docs)
    else:
        replica(docs, *sys.argv[2:6])
