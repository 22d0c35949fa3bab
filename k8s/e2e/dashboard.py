#!/usr/bin/python3
"""The project's one dashboard evaluator: every query of the Grafana dashboard in a real Prometheus, as Grafana
would send it. Two modes:

  dashboard.py PROMETHEUS_URL DASHBOARD.json TIME JOB NAMESPACE POD1,POD2 DECOY_JOB DECOY_POD
      checks each query at one instant (below);
  dashboard.py record PROMETHEUS_URL DASHBOARD.json JOB NAMESPACE START END LOADTEST_LOG OUT_DIR [KEY=VALUE...]
      records every panel over START..END (range queries, $pod = all pods, $scrape_interval = Prometheus' interval
      here, each target's $__interval and $__rate_interval as Grafana computes them from its min step:
      grafana()) and plots the scaling panels (SCALING_PANELS) into OUT_DIR/scaling.png, with the load test's steps as
      bands and the rolling restart as lines (KEY=VALUE: deleted=T, replacement_ready=T, scrape=5s, and
      pod=NAME=LABEL for the legend), and a small summary in OUT_DIR/scaling.csv: each plotted series' mean over
      the second half of each load step (a plateau once the rate window is inside the step).

The instant check:

Variables: $job = JOB, $namespace = NAMESPACE, $pod = one pod at a time (Grafana's single-value form),
$datasource dropped, other variables their current value, $__rate_interval = 1m (Prometheus scrapes every 5s
here), $__interval = 10s, $__range = 1m. Each query is evaluated at TIME (an instant in the load test, before
the rolling restart).

One line per check, "ok - ..." or "FAIL - ...":
  - every panel query returns data for each replica pod (queries that select only 5xx answers must return
    none: no request failed);
  - every panel query with $job = JOB and $pod = the decoy's pod returns nothing;
  - the decoy's series are there under its own job (so the check above can fail);
  - every metric the panel queries read (but EXPECTED_EMPTY's) is exported by each replica pod: a misspelt name
    fails here also in a query that must be empty (5xx) or whose emptiness an operator hides ("a or b");
  - each query variable (label_values) lists both pods and not the decoy; one of any other form fails (only
    label_values(series, label) is evaluated here);
  - a query whose every metric comes from a source this test does not run (EXPECTED_EMPTY: kube-state-metrics,
    a Gateway's or ingress controller's own metrics, the kubelet's cAdvisor) must be empty, and is listed so;
  - CPU throttling (queries of a "throttled" metric) is above zero for each pod: the pods have a real CPU quota,
    lowered under load by k8s/e2e/run so that it bites on a small machine.
"""
import csv
import json
import math
import re
import sys
import urllib.parse
import urllib.request

# Metrics whose source is absent here by design: a panel made only of them must be empty (and says why).
EXPECTED_EMPTY = {
    "kube_": "kube-state-metrics (HPA replicas) needs an API server; none here",
    "nginx_ingress_controller_": "ingress-nginx's controller metrics: here nginx runs without the controller",
    "envoy_": "a Gateway's Envoy metrics: no Gateway implementation here",
    "container_": "the kubelet's cAdvisor series: no kubelet here",
    "kubelet_": "the kubelet's own series: no kubelet here",
}


def metrics_of(expr):
    return set(re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{", expr))


def absent_source(expr):
    """Why the query must be empty here, or None when its data must be there."""
    names = metrics_of(expr)
    reasons = {why for n in names for prefix, why in EXPECTED_EMPTY.items() if n.startswith(prefix)}
    covered = all(any(n.startswith(prefix) for prefix in EXPECTED_EMPTY) for n in names)
    return "; ".join(sorted(reasons)) if names and covered else None


results = []


def check(ok, text):
    results.append(ok)
    print(("ok - " if ok else "FAIL - ") + text, flush=True)


# The instant check's built-ins: a 1 m window around the instant (Prometheus scrapes every 5 s in the e2e).
INSTANT = {"__rate_interval": "1m", "__interval": "10s", "__range": "1m", "__interval_ms": "10000"}


def substitute(expr, values, builtins=INSTANT):
    values = {**builtins, **values}

    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        name = name.split(":")[0]  # ${var:regex} and the like: the plain value
        if name not in values:
            raise KeyError(name)
        return values[name]

    return re.sub(r"\$\{([A-Za-z0-9_:]+)\}|\[\[([A-Za-z0-9_:]+)\]\]|\$([A-Za-z_][A-Za-z0-9_]*)", repl, expr)


def api(prom, path, params):
    url = f"{prom}/api/v1/{path}?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=30) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError(body.get("error", body))
    return body["data"]


def panels(items):
    for p in items:
        yield p
        yield from panels(p.get("panels", []))


def defaults(dash):
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


def instant(prom, dashboard_path, at, job, namespace, pods, decoy_job, decoy_pod):
    pods = pods.split(",")
    dash = json.load(open(dashboard_path))
    DEFAULTS = defaults(dash)

    def query(expr):
        return api(prom, "query", {"query": expr, "time": at})["result"]

    def series(selector):
        return api(prom, "series", {"match[]": selector, "start": float(at) - 300, "end": at})

    def values(pod, job_value=job):
        return {**DEFAULTS, "job": job_value, "namespace": namespace, "pod": pod, "datasource": "prometheus"}


    targets = [(p.get("title", "?"), t["expr"]) for p in panels(dash.get("panels", [])) for t in p.get("targets", [])
               if t.get("expr")]
    check(len(targets) > 0, f"dashboard has panel queries ({len(targets)})")

    decoy_visible = 0
    for title, expr in targets:
        name = f"'{title}': {expr[:90]}{'...' if len(expr) > 90 else ''}"
        try:
            only_5xx = re.search(r'code=~"5\.\."', expr) is not None
            per_pod = {pod: len(query(substitute(expr, values(pod)))) for pod in pods}
            absent = absent_source(expr)
            if absent:
                check(all(n == 0 for n in per_pod.values()), f"expected empty here ({absent}): {name}")
                continue
            if "throttled" in expr:
                # The run lowers every pod's quota under load (k8s/e2e/run, E2E_SQUEEZE_CPU): it must bite.
                values_now = {pod: [round(float(s["value"][1]), 4) for s in query(substitute(expr, values(pod)))]
                              for pod in pods}
                check(all(v and max(v) > 0 for v in values_now.values()),
                      f"CPU throttling above zero for each pod under load: throttled share {values_now}: {name}")
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

    readers = {}  # metric name -> titles of the panels that read it
    for title, expr in targets:
        for n in metrics_of(expr):
            if not any(n.startswith(prefix) for prefix in EXPECTED_EMPTY):
                readers.setdefault(n, set()).add(title)
    if readers:
        try:
            exported = {(s.get("__name__"), s.get("pod")) for s in series(
                f'{{__name__=~"{"|".join(sorted(readers))}", job="{job}", namespace="{namespace}"}}')}
            missing = [f"{n} not from {[p for p in pods if (n, p) not in exported]} (read by {sorted(readers[n])})"
                       for n in sorted(readers) if any((n, p) not in exported for p in pods)]
            check(not missing, f"every metric the panels read is exported by both pods ({len(readers)} metrics)"
                  + (": " + "; ".join(missing) if missing else ""))
        except Exception as e:
            check(False, f"the series of the panels' metrics: query failed ({e})")

    for var in dash.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        q = var.get("query")
        q = q.get("query", "") if isinstance(q, dict) else (q or "")
        m = re.fullmatch(r"\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*", q)
        if not m:
            check(False, f"variable ${var['name']}: {q} is not label_values(series, label), the form evaluated here")
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
    return 0 if all(results) else 1


# The scaling story, one subplot each: (heading, how to find the panel's query in the dashboard). A query is found
# by the metric it reads and the labels its legend shows, so the picture follows the dashboard's own expressions.
SCALING_PANELS = [
    ("Requests/s per pod (public port)",
     lambda e, legend: "vertx_http_server_requests_total" in e and "code" not in e and "{{pod}}" in legend
     and "event_loop" not in legend and "sum by" in e),
    ("Event-loop busy, each loop of each pod (fraction of one core)",
     lambda e, legend: "classifier_event_loop_cpu_seconds_total" in e and "{{event_loop}}" in legend
     and "classifier_requests_total" not in e and "system_cpu_count" not in e),
    ("Ready pods",
     lambda e, legend: "classifier_ready" in e),
    ("CPU throttled share per pod",
     lambda e, legend: "throttled" in e and "{{pod}}" in legend),
    ("Event-loop delay p99, each loop of each pod (saturation)",
     lambda e, legend: "classifier_event_loop_delay_seconds" in e and "histogram_quantile(0.99" in e),
]


def seconds(duration):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    m = re.fullmatch(r"(\d+)(ms|s|m|h)", duration.strip())
    if not m:
        raise ValueError(f"not a duration: {duration!r}")
    return max(1, int(int(m.group(1)) * units[m.group(2)]))


def legend_text(legend, metric, pod_labels):
    metric = {**metric, "pod": pod_labels.get(metric.get("pod"), metric.get("pod", ""))}
    text = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: str(metric.get(m.group(1), "")), legend or "")
    return re.sub(r"(loop )?vert\.x-eventloop-thread-", "loop ", text).strip() or json.dumps(metric)


def record(argv):
    prom, dashboard_path, job, namespace, start, end, loadtest_log, out_dir = argv[:8]
    options = {}
    pod_labels = {}
    for kv in argv[8:]:
        key, _, value = kv.partition("=")
        if key == "pod":
            name, _, label = value.partition("=")
            pod_labels[name] = label
        else:
            options[key] = value
    scrape = seconds(options.get("scrape", "5s"))
    start, end = float(start), float(end)
    dash = json.load(open(dashboard_path))
    variables = {**defaults(dash), "job": job, "namespace": namespace, "pod": ".*", "datasource": "prometheus"}
    if "scrape_interval" in variables:  # the dashboard's "Scrape interval" set to this Prometheus' interval
        variables["scrape_interval"] = f"{scrape}s"

    def grafana(panel, target):
        """Grafana's built-ins for a target: min step = its interval (else the panel's, else the scrape interval),
        step = $__interval = the min step (a run of minutes at ~1000 px is below any min step here),
        $__rate_interval = max($__interval + min step, 4 x min step)."""
        min_step = seconds(substitute(target.get("interval") or panel.get("interval") or f"{scrape}s", variables))
        return {"__interval": f"{min_step}s", "__interval_ms": str(min_step * 1000),
                "__rate_interval": f"{4 * min_step}s", "__range": f"{int(end - start)}s"}, min_step

    # The load test's log, each line stamped as it arrived: "--- step k/n: C connections ..." starts a step.
    steps = []
    for line in open(loadtest_log):
        stamp, _, text = line.partition(" ")
        m = re.match(r"--- step (\d+)/\d+: (\d+) connections", text)
        if m:
            steps.append([float(stamp), None, int(m.group(2))])
        elif text.startswith("=== summary") and steps:
            steps[-1][1] = float(stamp)
    for i, step in enumerate(steps):
        step[1] = step[1] or (steps[i + 1][0] if i + 1 < len(steps) else end)
    origin = steps[0][0] if steps else start  # x = 0: the first step's start (after the image's start, preflight)

    recorded = {}
    for panel in panels(dash.get("panels", [])):
        for target in panel.get("targets", []):
            if not target.get("expr"):
                continue
            builtins, step = grafana(panel, target)
            expr = substitute(target["expr"], variables, builtins)
            result = api(prom, "query_range", {"query": expr, "start": start, "end": end, "step": step})["result"]
            recorded[(panel.get("title", "?"), target.get("refId", ""))] = (target, result)
    total = sum(len(r) for _, r in recorded.values())
    check(total > 0, f"recorded {len(recorded)} panel queries over {int(end - start)} s: {total} series")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    fig, axes = plt.subplots(len(SCALING_PANELS), 1, figsize=(11, 2.6 * len(SCALING_PANELS)), sharex=True)
    rows = [["step", "connections", "panel", "series", "mean"]]
    for ax, (heading, wanted) in zip(axes, SCALING_PANELS):
        found = [(title, target, result) for (title, _), (target, result) in recorded.items()
                 if wanted(target["expr"], target.get("legendFormat", ""))]
        check(bool(found) and any(r for _, _, r in found),
              f"picture: '{heading}' from the dashboard's panel "
              f"{sorted({t for t, _, _ in found}) or 'NONE (no such panel in the dashboard)'}")
        ax.set_title(f"{heading}" + (f"  [panel: {found[0][0]}]" if found else "  [no such panel]"),
                     fontsize=9, loc="left")
        unit = next((p.get("fieldConfig", {}).get("defaults", {}).get("unit") for p in panels(dash.get("panels", []))
                     if found and p.get("title") == found[0][0]), None)
        ax.set_ylabel({"reqps": "req/s", "s": "seconds", "percentunit": "", "short": ""}.get(unit, unit or ""),
                      fontsize=8)
        if unit == "percentunit":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        for k, (t0, t1, conns) in enumerate(steps):
            ax.axvspan(t0 - origin, t1 - origin, color="tab:blue", alpha=0.05 + 0.05 * (k % 2), lw=0)
        for key, colour, text in (("squeezed", "tab:purple",
                                   f"CPU quota lowered to {options.get('squeeze_cpu', '?')} CPU per pod (podman update)"),
                                  ("deleted", "tab:red", "pod deleted (out of upstreams, SIGTERM)"),
                                  ("replacement_ready", "tab:green", "replacement ready")):
            if key in options:
                ax.axvline(float(options[key]) - origin, color=colour, ls="--", lw=1,
                           label=text if ax is axes[0] else None)
        for title, target, result in found[:1]:
            panel = next(p for p in panels(dash.get("panels", [])) if p.get("title") == title)
            stacked = (panel.get("fieldConfig", {}).get("defaults", {}).get("custom", {}).get("stacking", {})
                       .get("mode", "none") != "none")
            # Stacked as Grafana draws it: each series on top of the ones before, on one time grid, where a series
            # has no sample it adds 0 (its line is not drawn there).
            grid = sorted({float(t) - origin for s in result for t, _ in s["values"]})
            below = [0.0] * len(grid)
            for s in sorted(result, key=lambda s: legend_text(target.get("legendFormat"), s["metric"], pod_labels)):
                label = legend_text(target.get("legendFormat"), s["metric"], pod_labels)
                xs = [float(t) - origin for t, _ in s["values"]]
                ys = [float(v) if v not in ("NaN", "+Inf", "-Inf") else math.nan for _, v in s["values"]]
                if stacked:
                    own = dict(zip(xs, ys))
                    top = [b + (0.0 if math.isnan(own.get(x, math.nan)) else own[x]) for b, x in zip(below, grid)]
                    ax.fill_between(grid, below, top, alpha=0.35, lw=0)
                    ax.plot(grid, [t if x in own else math.nan for t, x in zip(top, grid)], lw=1.3,
                            label=f"{label} (stacked)")
                    below = top
                else:
                    ax.plot(xs, ys, lw=1.3, label=label,
                            drawstyle="steps-post" if "ready" in heading.lower() else None)
                for t0, t1, conns in steps:
                    half = [y for x, y in zip(xs, ys)
                            if (t0 + t1) / 2 - origin <= x <= t1 - origin and not math.isnan(y)]
                    if half:
                        rows.append([steps.index([t0, t1, conns]) + 1, conns, heading, label,
                                     f"{sum(half) / len(half):.4g}"])
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)  # after the data: the top stays automatic
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        if "ready" in heading.lower():
            ax.yaxis.get_major_locator().set_params(integer=True)
    for ax in axes:
        for t0, t1, conns in steps:
            ax.annotate(f"{conns} conn.", ((t0 + t1) / 2 - origin, 0.97), xycoords=("data", "axes fraction"),
                        ha="center", va="top", fontsize=7, color="tab:blue", alpha=0.8)
    axes[-1].set_xlabel("seconds since the load's first step (bands: its steps, wrk connections through nginx)")
    fig.suptitle("vertx-classifier e2e: the dashboard's queries plotted from a run on podman; no Grafana here",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(f"{out_dir}/scaling.png", dpi=90)
    with open(f"{out_dir}/scaling.csv", "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    print(f"# picture: {out_dir}/scaling.png, summary {out_dir}/scaling.csv ({len(rows) - 1} rows)", flush=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["record"]:
        sys.exit(record(sys.argv[2:]))
    sys.exit(instant(*sys.argv[1:9]))
