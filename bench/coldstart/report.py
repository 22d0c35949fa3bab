#!/usr/bin/python3
"""Turns bench/coldstart/run's raw/*.json into results.md, summary.csv, outside.csv, seconds.csv, bins.csv and a chart.

    /usr/bin/python3 bench/coldstart/report.py OUT_DIR

Starts are grouped by overlay (the pod size), view and server. Per group the WORSE start is kept: the round whose
first second after ready is the lowest fraction of its own warm throughput (process view: the last 5 s of its load,
same container; outside view: wrk's last 5 s). Ratios are within one container's run, so machine noise between
servers does not enter them. The goal lines take the worse start for each criterion separately.
Chart: matplotlib (python3-matplotlib).
"""
import csv
import glob
import json
import os
import statistics
import sys

SERVERS = ['go', 'jdk17', 'jdk25', 'jdk25-aot', 'jdk25-aot-warmup-2s', 'jdk25-aot-warmup']
LABELS = {
    'go': 'Go net/http (peer)',
    'jdk17': 'JDK 17, java -jar',
    'jdk25': 'JDK 25, java -jar',
    'jdk25-aot': 'JDK 25 + AOT cache',
    'jdk25-aot-warmup': 'JDK 25 + AOT cache + warm-up (the image)',
    'jdk25-aot-warmup-2s': 'JDK 25 + AOT cache + warm-up up to 2 s',
}
OVERLAYS = ['quickstart', 'production']
BASE_SIZE = 'quickstart'  # the overlay that runs the base manifest's size (1 CPU, 512Mi): issue 13's RSS goal
COLORS = {'go': '#7f7f7f', 'jdk17': '#d62728', 'jdk25': '#ff7f0e', 'jdk25-aot': '#1f77b4',
          'jdk25-aot-warmup': '#2ca02c', 'jdk25-aot-warmup-2s': '#17becf'}
IMAGE = 'jdk25-aot-warmup'
GOAL_RATIO, GOAL_READY_MS, GOAL_RSS_MB = 0.80, 3000, 100  # 100 MB = 95.4 MiB
WARM_SECONDS = 5


def load(out):
    """{(overlay, view, server): [start, ...]} from raw/OVERLAY-VIEW-SERVER-rN.json."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, 'raw', '*-r*.json'))):
        d = json.load(open(path))
        d['round'] = int(path[path.rindex('-r') + 2:-len('.json')])
        d.setdefault('view', 'process')
        if d['view'] == 'process':
            secs = d['seconds']
            warm = secs[-WARM_SECONDS:]
            d['warm_rps'] = statistics.mean(s['rps'] for s in warm)
            d['warm_p99_us'] = statistics.median(s['p99_us'] for s in warm)
            d['first_rps'] = secs[0]['rps']
            d['first_p99_us'] = secs[0]['p99_us']
            d['errors'] = sum(s['errors'] for s in secs)
            # Requests per CPU-second of the container: how warm the code is, whatever CPU share the shared machine
            # left the container (its CPU time is the cgroup's cpuacct.usage).
            d['warm_cpu'] = statistics.mean(s.get('cpu_seconds', 0) for s in warm)
            d['first_cpu'] = secs[0].get('cpu_seconds', 0)
            d['warm_eff'] = d['warm_rps'] / d['warm_cpu'] if d['warm_cpu'] > 0 else 0
            d['first_eff'] = d['first_rps'] / d['first_cpu'] if d['first_cpu'] > 0 else 0
            d['eff_ratio'] = d['first_eff'] / d['warm_eff'] if d['warm_eff'] else 0
        d['ratio'] = d['first_rps'] / d['warm_rps'] if d['warm_rps'] else 0
        runs.setdefault((d.get('overlay', 'quickstart'), d['view'], d.get('server', 'unknown')), []).append(d)
    return runs


def worse(rounds):
    return min(rounds, key=lambda d: d['ratio'])


def order(runs, view):
    keys = [k for k in runs if k[1] == view]
    rank = {name: i for i, name in enumerate(SERVERS)}
    return sorted(keys, key=lambda k: (OVERLAYS.index(k[0]) if k[0] in OVERLAYS else 99, k[0],
                                       rank.get(k[2], 99), k[2]))


def rounds(group):
    return sorted(group, key=lambda d: d['round'])


def write_csvs(out, runs):
    with open(os.path.join(out, 'summary.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['overlay', 'server', 'round', 'kept', 'ready_ms', 'rss_ready_mib', 'rss_loaded_mib',
                    'first_second_rps', 'warm_rps', 'first_over_warm', 'first_second_p99_us', 'warm_p99_us',
                    'wrk_warm_rps', 'errors', 'cpu_to_ready_ms', 'first_second_cpu_s', 'warm_cpu_s_per_s',
                    'first_over_warm_per_cpu', 'loadavg_after'])
        for key in order(runs, 'process'):
            kept = worse(runs[key])
            for d in rounds(runs[key]):
                w.writerow([key[0], key[2], d['round'], int(d is kept), d['ready_ms'], round(d['rss_ready_mib'], 1),
                            round(d['rss_loaded_mib'], 1), round(d['first_rps']), round(d['warm_rps']),
                            round(d['ratio'], 3), round(d['first_p99_us']), round(d['warm_p99_us']),
                            round(d.get('wrk_warm_rps', 0)), d['errors'], round(d.get('cpu_ready_ms', 0)),
                            round(d['first_cpu'], 3), round(d['warm_cpu'], 3), round(d['eff_ratio'], 3),
                            d.get('loadavg', '')])
    with open(os.path.join(out, 'outside.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['overlay', 'server', 'round', 'kept', 'ready_ms', 'process_start_ms', 'podman_run_returned_ms',
                    'cpu_to_ready_ms', 'first_second_rps', 'warm_rps', 'first_over_warm', 'first_second_p99_ms', 'warm_p99_ms',
                    'rss_after_first_second_mib', 'loadavg_after'])
        for key in order(runs, 'outside'):
            kept = worse(runs[key])
            for d in rounds(runs[key]):
                w.writerow([key[0], key[2], d['round'], int(d is kept), round(d['ready_ms']),
                            round(d['process_start_ms']), round(d['podman_run_returned_ms']),
                            cpu_ms(d), round(d['first_rps']),
                            round(d['warm_rps']), round(d['ratio'], 3), d['first_p99_ms'], d['warm_p99_ms'],
                            round(d['rss_after_first_second_mib'], 1), d.get('loadavg', '')])
    with open(os.path.join(out, 'seconds.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['overlay', 'server', 'round', 'second_after_ready', 'rps', 'cpu_seconds', 'errors', 'p50_us',
                    'p99_us'])
        for key in order(runs, 'process'):
            for d in rounds(runs[key]):
                for s in d['seconds']:
                    w.writerow([key[0], key[2], d['round'], s['second_after_ready'], int(s['rps']),
                                round(s.get('cpu_seconds', 0), 3), s['errors'], round(s['p50_us']),
                                round(s['p99_us'])])
    with open(os.path.join(out, 'bins.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['overlay', 'server', 'round', 'bin_start_ms', 'requests', 'errors', 'p99_us'])
        for key in order(runs, 'process'):
            for d in rounds(runs[key]):
                for b in d['bins']:
                    if b['start_ms'] <= 12000:
                        w.writerow([key[0], key[2], d['round'], b['start_ms'], b['requests'], b['errors'],
                                    round(b['p99_us'])])


def span(values, fmt):
    lo, hi = min(values), max(values)
    return fmt % lo if fmt % lo == fmt % hi else (fmt % lo) + '-' + (fmt % hi)


def process_tables(runs):
    keys = order(runs, 'process')
    if not keys:
        return []
    lines = ['## From the process start (bench/coldstart/sampler.go)', '',
             'Time zero is the process start the kernel recorded; the sampler\'s 40 connections start at the first 200',
             'of `/health/ready`. Worse start per row (lowest first second / warm).', '',
             '| overlay | server | ready (ms) | idle RSS at ready (MiB) | 1st s after ready (req/s) | warm (req/s) '
             '| 1st s / warm | p99 1st s (ms) | p99 warm (ms) | wrk warm (req/s) | CPU to ready (ms) '
             '| CPU share 1st s / warm | 1st s / warm per CPU-second |',
             '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
    for key in keys:
        d = worse(runs[key])
        row = '| %s | %s | %d | %.0f | %s | %s | **%.0f%%** | %.1f | %.1f | %s | %.0f | %.2f / %.2f | %.0f%% |'
        lines.append(row % (
            key[0], LABELS.get(key[2], key[2]), d['ready_ms'], d['rss_ready_mib'], '{:,.0f}'.format(d['first_rps']),
            '{:,.0f}'.format(d['warm_rps']), 100 * d['ratio'], d['first_p99_us'] / 1000, d['warm_p99_us'] / 1000,
            '{:,.0f}'.format(d.get('wrk_warm_rps', 0)), d.get('cpu_ready_ms', 0), d['first_cpu'], d['warm_cpu'],
            100 * d['eff_ratio']))
    lines += ['', 'Every start:', '',
              '| overlay | server | ready (ms) | 1st s / warm | per CPU-second | idle RSS (MiB) | load average after |', '|---|---|---|---|---|---|---|']
    for key in keys:
        starts = rounds(runs[key])
        lines.append('| %s | %s | %s | %s | %s | %s | %s |' % (
            key[0], key[2], ', '.join('%d' % d['ready_ms'] for d in starts),
            ', '.join('%.0f%%' % (100 * d['ratio']) for d in starts),
            ', '.join('%.0f%%' % (100 * d['eff_ratio']) for d in starts),
            ', '.join('%.1f' % d['rss_ready_mib'] for d in starts),
            ' / '.join(d.get('loadavg', '').split(',')[0] for d in starts)))
    width = 10
    for title, value in (('Requests/s', lambda s: '{:,.0f}'.format(s['rps'])),
                         ('p99 latency (ms)', lambda s: '%.1f' % (s['p99_us'] / 1000))):
        lines += ['', '%s in each second after ready (worse start):' % title, '',
                  '| overlay | server | ' + ' | '.join('s%d' % (i + 1) for i in range(width)) + ' |',
                  '|---|---|' + '---:|' * width]
        for key in keys:
            d = worse(runs[key])
            lines.append('| %s | %s | %s |' % (key[0], key[2], ' | '.join(value(s) for s in d['seconds'][:width])))
    return lines + ['']


def cpu_ms(d):
    """The outside view's container CPU time at ready, in whole ms ('' for a run made before it was recorded)."""
    return '' if d.get('cpu_ready_ms') is None else round(d['cpu_ready_ms'])


def outside_tables(runs):
    keys = order(runs, 'outside')
    if not keys:
        return []
    lines = ['## From `podman run` (the outside view)', '',
             'Time zero is the `podman run` command; a poller probes `/health/ready` from the host every 20 ms, and',
             'at its first 200 wrk (`-t1 -c40`) runs 1 s (the first second), then the rest of the load, then 5 s',
             '(warm).',
             '"process start" is when the kernel started the JVM, after podman\'s own work; "CPU to ready" is the',
             'container\'s CPU time when the poller saw the 200 (ready minus process start, less this: waiting for a CPU).',
             '',
             '| overlay | server | starts | ready (ms) | process start (ms) | CPU to ready (ms) | 1st s / warm '
             '| 1st s (req/s) | warm (req/s) | wrk p99 1st s / warm (ms) | RSS after 1st s (MiB) |',
             '|---|---|---:|---|---|---|---|---|---|---|---|']
    for key in keys:
        starts = rounds(runs[key])
        lines.append('| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |' % (
            key[0], LABELS.get(key[2], key[2]), len(starts), ', '.join('%.0f' % d['ready_ms'] for d in starts),
            ', '.join('%.0f' % d['process_start_ms'] for d in starts), ', '.join(str(cpu_ms(d)) for d in starts),
            ', '.join('**%.0f%%**' % (100 * d['ratio']) for d in starts),
            ', '.join('{:,.0f}'.format(d['first_rps']) for d in starts),
            ', '.join('{:,.0f}'.format(d['warm_rps']) for d in starts),
            ', '.join('%.1f / %.1f' % (d['first_p99_ms'], d['warm_p99_ms']) for d in starts),
            span([d['rss_after_first_second_mib'] for d in starts], '%.0f')))
    return lines + ['']


def goal_lines(runs):
    lines = []
    for overlay in sorted({k[0] for k in runs if k[2] == IMAGE},
                          key=lambda o: OVERLAYS.index(o) if o in OVERLAYS else 99):
        lines += ['### %s, the image (JDK 25 + AOT + warm-up)' % overlay, '']
        for view, name in (('process', 'from the process start'), ('outside', 'from `podman run`')):
            starts = runs.get((overlay, view, IMAGE))
            if not starts:
                continue
            ratio = min(d['ratio'] for d in starts)
            ready = max(d['ready_ms'] for d in starts)
            checks = [('first second after ready >= 80%% of warm', ratio >= GOAL_RATIO, '%.0f%%' % (100 * ratio)),
                      ('ready <= 3 s', ready <= GOAL_READY_MS, '%.0f ms' % ready)]
            if view == 'process':
                eff = min(d['eff_ratio'] for d in starts)
                checks.append(('the same per CPU-second (what the machine\'s noise does not change)',
                               eff >= GOAL_RATIO, '%.0f%%' % (100 * eff)))
                if overlay == BASE_SIZE:
                    rss_mb = max(d['rss_ready_mib'] for d in starts) * 1.048576
                    checks.append(('idle RSS <= 100 MB (issue 13, at the base size)', rss_mb <= GOAL_RSS_MB,
                                   '%.1f MB = %.1f MiB' % (rss_mb, rss_mb / 1.048576)))
            lines += ['- %s, worse of %d starts for each: ' % (name, len(starts)) +
                      '; '.join('%s: %s (%s)' % (c.replace('%%', '%'), 'met' if ok else '**not met**', v)
                                for c, ok, v in checks)]
            # The control: what the same harness gives a server with nothing to warm, at the same size.
            control = runs.get((overlay, view, 'go'))
            if control:
                lines += ['  - the Go peer (no JIT, nothing to warm) in the same harness and size: first second '
                          '%s of warm (worse start %.0f%%)' % (
                              span([100 * d['ratio'] for d in control], '%.0f%%'),
                              100 * min(d['ratio'] for d in control))]
        lines.append('')
    return (['## Goal: ready <= 3 s and the first second >= 80% of warm, at every size an overlay ships', '']
            + lines) if lines else []


def write_md(out, runs):
    path = os.path.join(out, 'machine.txt')
    machine = open(path).read() if os.path.exists(path) else ''
    lines = ['# Cold start to full speed in each overlay\'s pod size (bench/coldstart)', '',
             'Each server in a container with an overlay\'s CPU and memory limits, JAVA_TOOL_OPTIONS and INSTANCES',
             '(machine.txt below); a keep-alive load (40 connections, `/helloworld`, N=11) starts when it turns ready.',
             '']
    lines += goal_lines(runs) + process_tables(runs) + outside_tables(runs)
    lines += ['Machine and load (shared 2-core machine; the load average after each start is in summary.csv and',
              'outside.csv):', '', '```', machine.strip(), '```', '']
    open(os.path.join(out, 'results.md'), 'w').write('\n'.join(lines))


def chart(out, runs):
    keys = order(runs, 'process')
    if not keys:
        return
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={'width_ratios': [2.2, 1]})
    styles = {overlay: style for overlay, style in zip(OVERLAYS, ['-', '--'])}
    names = []
    for key in keys:
        d = worse(runs[key])
        name = '%s, %s' % (LABELS.get(key[2], key[2]), key[0])
        names.append(name)
        bin_s = d['bin_ms'] / 1000
        xs = [b['start_ms'] / 1000 + bin_s for b in d['bins'] if b['start_ms'] <= 10000]
        ys = [b['requests'] / bin_s / 1000 for b in d['bins'] if b['start_ms'] <= 10000]
        color = COLORS.get(key[2], '#9467bd')
        ax.step(xs, ys, where='pre', color=color, lw=1.6, ls=styles.get(key[0], ':'),
                label='%s: ready %.1f s, 1st s %.0f%% of warm' % (name, d['ready_ms'] / 1000, 100 * d['ratio']))
        ax.axvline(d['ready_ms'] / 1000, color=color, ls=':', lw=1)
    ax.set_xlim(0, 10)
    ax.set_ylim(bottom=0)
    ax.set_xlabel('seconds since process start (dotted: ready)')
    ax.set_ylabel('thousand requests/s (250 ms bins)')
    ax.set_title('Cold start in each overlay\'s pod size (worse of %d starts)' % max(len(runs[k]) for k in keys))
    ax.legend(fontsize=8, loc='upper left')
    ax.grid(alpha=0.3)
    ratios = [100 * worse(runs[k])['ratio'] for k in keys]
    per_cpu = [100 * worse(runs[k])['eff_ratio'] for k in keys]
    colors = [COLORS.get(k[2], '#9467bd') for k in keys]
    bars = bx.barh([i - 0.2 for i in range(len(keys))], ratios, height=0.4, color=colors, label='requests/s')
    cpu_bars = bx.barh([i + 0.2 for i in range(len(keys))], per_cpu, height=0.4, color=colors, alpha=0.45,
                       hatch='//', label='requests per CPU-second')
    bx.axvline(100 * GOAL_RATIO, color='black', ls='--', lw=1)
    bx.text(100 * GOAL_RATIO, -0.5, ' goal 80%', fontsize=8, va='bottom')  # above the bars (the y axis is inverted)
    for bar, value in list(zip(bars, ratios)) + list(zip(cpu_bars, per_cpu)):
        bx.text(value + 1, bar.get_y() + bar.get_height() / 2, '%.0f%%' % value, va='center', fontsize=7)
    bx.legend(fontsize=7, loc='lower right')
    bx.set_yticks(range(len(keys)))
    bx.set_yticklabels([n.replace(' (the image)', '\n(the image)') for n in names], fontsize=8)
    bx.invert_yaxis()
    bx.set_xlim(0, 115)
    bx.set_xlabel('first second after ready, % of warm requests/s')
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'coldstart.png'), dpi=110)


def main():
    out = sys.argv[1]
    runs = load(out)
    if not runs:
        sys.exit('no raw/*.json in ' + out)
    write_csvs(out, runs)
    write_md(out, runs)
    try:
        chart(out, runs)
    except ImportError:
        print('matplotlib missing (Debian: python3-matplotlib): no chart', file=sys.stderr)
    print(open(os.path.join(out, 'results.md')).read())


if __name__ == '__main__':
    main()
