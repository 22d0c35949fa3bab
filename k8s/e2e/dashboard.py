#!/usr/bin/python3
"""Evaluate every query of the Grafana dashboard in a real Prometheus, as Grafana would send it.

Usage: dashboard.py PROMETHEUS_URL DASHBOARD.json TIME JOB NAMESPACE POD1,POD2 DECOY_JOB DECOY_POD

Variables: $job = JOB, $namespace = NAMESPACE, $pod = one pod at a time (Grafana's single-value form),
$datasource dropped, other variables their current value, $__rate_interval = 1m (Prometheus scrapes every 2s here), $__interval = 10s,
$__range = 1m. Each query is evaluated at TIME (an instant in the load test, before the rolling restart).

One line per check, "ok - ..." or "FAIL - ...":
  - every panel query returns data for each replica pod (queries that select only 5xx answers must return
    none: no request failed);
  - every panel query with $job = JOB and $pod = the decoy's pod returns nothing;
  - the decoy's series are there under its own job (so the check above can fail);
  - each query variable (label_values) lists both pods and not the decoy.
"""
import json
import re
import sys
import urllib.parse
import urllib.request

prom, dashboard_path, at, job, namespace, pods, decoy_job, decoy_pod = sys.argv[1:9]
pods = pods.split(",")
dash = json.load(open(dashboard_path))
results = []


def check(ok, text):
    results.append(ok)
    print(("ok - " if ok else "FAIL - ") + text, flush=True)


def substitute(expr, values):
    builtins = {"__rate_interval": "1m", "__interval": "10s", "__range": "1m", "__interval_ms": "10000"}
    values = {**builtins, **values}

    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        name = name.split(":")[0]  # ${var:regex} and the like: the plain value
        if name not in values:
            raise KeyError(name)
        return values[name]

    return re.sub(r"\$\{([A-Za-z0-9_:]+)\}|\[\[([A-Za-z0-9_:]+)\]\]|\$([A-Za-z_][A-Za-z0-9_]*)", repl, expr)


def query(expr):
    url = f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr, "time": at})
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError(body.get("error", body))
    return body["data"]["result"]


def series(selector):
    url = f"{prom}/api/v1/series?" + urllib.parse.urlencode(
        {"match[]": selector, "start": float(at) - 300, "end": at})
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)["data"]


def panels(items):
    for p in items:
        yield p
        yield from panels(p.get("panels", []))


def defaults():
    """Other variables (custom, constant, interval, textbox): their current value, as Grafana would use it."""
    out = {}
    for var in dash.get("templating", {}).get("list", []):
        cur = (var.get("current") or {}).get("value")
        if isinstance(cur, list):
            cur = cur[0] if cur else None
        if cur in (None, "", "$__all"):
            cur = var.get("allValue") or (var.get("query") if var.get("type") == "constant" else None) or ".*"
        out[var["name"]] = str(cur)
    return out


DEFAULTS = defaults()


def values(pod, job_value=job):
    return {**DEFAULTS, "job": job_value, "namespace": namespace, "pod": pod, "datasource": "prometheus"}


targets = [(p.get("title", "?"), t["expr"]) for p in panels(dash.get("panels", [])) for t in p.get("targets", [])
           if t.get("expr")]
check(len(targets) > 0, f"dashboard has panel queries ({len(targets)})")

decoy_visible = 0
for title, expr in targets:
    name = f"'{title}': {expr[:90]}{'...' if len(expr) > 90 else ''}"
    if '$job' not in expr:  # another exporter's series (kube-state-metrics, the Ingress): data only where it runs
        print(f"skip - not the service's series (optional panel): {name}", flush=True)
        continue
    try:
        only_5xx = re.search(r'code=~"5\.\."', expr) is not None
        per_pod = {pod: len(query(substitute(expr, values(pod)))) for pod in pods}
        if only_5xx:
            check(all(n == 0 for n in per_pod.values()), f"no 5xx for any pod (empty as it should be): {name}")
        else:
            check(all(n > 0 for n in per_pod.values()), f"data for both pods {per_pod}: {name}")
        decoy = len(query(substitute(expr, values(decoy_pod))))
        check(decoy == 0, f"nothing from the decoy JVM ({decoy} series): {name}")
        decoy_visible += len(query(substitute(expr, values(decoy_pod, decoy_job)))) > 0
    except KeyError as e:
        check(False, f"unknown variable ${e.args[0]} in {name}")
    except Exception as e:  # a Prometheus error (bad PromQL) or an unreachable Prometheus
        check(False, f"query failed ({e}): {name}")

check(decoy_visible > 0,
      f"the decoy JVM is scraped: {decoy_visible} of the queries return its data under job={decoy_job}")

for var in dash.get("templating", {}).get("list", []):
    if var.get("type") != "query":
        continue
    q = var.get("query")
    q = q.get("query", "") if isinstance(q, dict) else (q or "")
    m = re.fullmatch(r"\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*", q)
    if not m:
        continue
    label = m.group(2)
    try:
        selector = substitute(m.group(1), {**DEFAULTS, "job": job, "namespace": namespace, "pod": ".*"})
        found = {s.get(label) for s in series(selector)} - {None}
    except Exception as e:
        check(False, f"variable ${var['name']}: {q} failed ({e})")
        continue
    if label == "pod":
        check(set(pods) <= found and decoy_pod not in found,
              f"variable $pod lists both pods and not the decoy: {sorted(found)}")
    elif label == "job":
        check(job in found, f"variable $job offers {job}: {sorted(found)}")
    else:
        check(len(found) > 0, f"variable ${var['name']} has values: {sorted(found)}")

sys.exit(0 if all(results) else 1)
