#!/usr/bin/python3
"""Turns bench/coldstart/run's raw/*.json into results.md, summary.csv, seconds.csv, bins.csv and a chart.

    /usr/bin/python3 bench/coldstart/report.py OUT_DIR

Per server the WORSE start is kept: the round whose first second after ready is the lowest fraction of its
own warm throughput (the last 5 s of its load, same container, ~30 s after ready). Ratios are within one
container's run, so machine noise between servers does not enter them. Chart: matplotlib (python3-matplotlib).
"""
import csv
import glob
import json
import os
import re
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
COLORS = {'go': '#7f7f7f', 'jdk17': '#d62728', 'jdk25': '#ff7f0e', 'jdk25-aot': '#1f77b4',
          'jdk25-aot-warmup': '#2ca02c', 'jdk25-aot-warmup-2s': '#17becf'}
GOAL_RATIO, GOAL_READY_MS, GOAL_RSS_MB = 0.80, 3000, 100  # 100 MB = 95.4 MiB
WARM_SECONDS = 5


def load(out):
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, 'raw', '*-r*.json'))):
        m = re.match(r'(.+)-r(\d+)\.json$', os.path.basename(path))
        d = json.load(open(path))
        d['round'] = int(m.group(2))
        secs = d['seconds']
        warm = secs[-WARM_SECONDS:]
        d['warm_rps'] = statistics.mean(s['rps'] for s in warm)
        d['warm_p99_us'] = statistics.median(s['p99_us'] for s in warm)
        d['first_rps'] = secs[0]['rps']
        d['first_p99_us'] = secs[0]['p99_us']
        d['ratio'] = d['first_rps'] / d['warm_rps'] if d['warm_rps'] else 0
        d['errors'] = sum(s['errors'] for s in secs)
        # Requests per CPU-second of the container: how warm the code is, whatever CPU share the shared machine
        # left the container (its CPU time is the cgroup's cpuacct.usage).
        d['warm_cpu'] = statistics.mean(s.get('cpu_seconds', 0) for s in warm)
        d['first_cpu'] = secs[0].get('cpu_seconds', 0)
        d['warm_eff'] = d['warm_rps'] / d['warm_cpu'] if d['warm_cpu'] > 0 else 0
        d['first_eff'] = d['first_rps'] / d['first_cpu'] if d['first_cpu'] > 0 else 0
        d['eff_ratio'] = d['first_eff'] / d['warm_eff'] if d['warm_eff'] else 0
        runs.setdefault(m.group(1), []).append(d)
    return runs


def worse(rounds):
    return min(rounds, key=lambda d: d['ratio'])


def write_csvs(out, runs):
    with open(os.path.join(out, 'summary.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['server', 'round', 'kept', 'ready_ms', 'rss_ready_mib', 'rss_loaded_mib', 'first_second_rps',
                    'warm_rps', 'first_over_warm', 'first_second_p99_us', 'warm_p99_us', 'wrk_warm_rps', 'errors',
                    'cpu_to_ready_ms', 'first_second_cpu_s', 'warm_cpu_s_per_s', 'first_over_warm_per_cpu',
                    'loadavg_after'])
        for server in order(runs):
            kept = worse(runs[server])
            for d in sorted(runs[server], key=lambda d: d['round']):
                w.writerow([server, d['round'], int(d is kept), d['ready_ms'], round(d['rss_ready_mib'], 1),
                            round(d['rss_loaded_mib'], 1), round(d['first_rps']), round(d['warm_rps']),
                            round(d['ratio'], 3), round(d['first_p99_us']), round(d['warm_p99_us']),
                            round(d.get('wrk_warm_rps', 0)), d['errors'], round(d.get('cpu_ready_ms', 0)),
                            round(d['first_cpu'], 3), round(d['warm_cpu'], 3), round(d['eff_ratio'], 3),
                            d.get('loadavg', '')])
    with open(os.path.join(out, 'seconds.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['server', 'round', 'second_after_ready', 'rps', 'cpu_seconds', 'errors', 'p50_us', 'p99_us'])
        for server in order(runs):
            for d in sorted(runs[server], key=lambda d: d['round']):
                for s in d['seconds']:
                    w.writerow([server, d['round'], s['second_after_ready'], int(s['rps']),
                                round(s.get('cpu_seconds', 0), 3), s['errors'],
                                round(s['p50_us']), round(s['p99_us'])])
    with open(os.path.join(out, 'bins.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['server', 'round', 'bin_start_ms', 'requests', 'errors', 'p99_us'])
        for server in order(runs):
            for d in sorted(runs[server], key=lambda d: d['round']):
                for b in d['bins']:
                    if b['start_ms'] <= 12000:
                        w.writerow([server, d['round'], b['start_ms'], b['requests'], b['errors'], round(b['p99_us'])])


def order(runs):
    return [s for s in SERVERS if s in runs] + sorted(set(runs) - set(SERVERS))


def write_md(out, runs):
    machine = open(os.path.join(out, 'machine.txt')).read() if os.path.exists(os.path.join(out, 'machine.txt')) else ''
    lines = ['# Cold start to full speed (bench/coldstart)', '',
             'Each server in a container with `--cpus=1 --memory=512m` (pinned to CPU 0); a closed-loop keep-alive',
             'load (40 connections, `/helloworld`, N=11) from CPU 1 starts when the server turns ready. Time zero is',
             'the process start. Per server the worse of its starts is shown (lowest first second / warm).', '',
             '| server | ready (ms) | idle RSS at ready (MiB) | 1st s after ready (req/s) | warm (req/s) | 1st s / warm '
             '| p99 1st s (ms) | p99 warm (ms) | wrk warm (req/s) | CPU to ready (ms) | CPU share 1st s / warm '
             '| 1st s / warm per CPU-second |',
             '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
    for server in order(runs):
        d = worse(runs[server])
        lines.append('| %s | %d | %.0f | %s | %s | **%.0f%%** | %.1f | %.1f | %s | %.0f | %.2f / %.2f | %.0f%% |' % (
            LABELS.get(server, server), d['ready_ms'], d['rss_ready_mib'], '{:,.0f}'.format(d['first_rps']),
            '{:,.0f}'.format(d['warm_rps']), 100 * d['ratio'], d['first_p99_us'] / 1000, d['warm_p99_us'] / 1000,
            '{:,.0f}'.format(d.get('wrk_warm_rps', 0)), d.get('cpu_ready_ms', 0), d['first_cpu'], d['warm_cpu'],
            100 * d['eff_ratio']))
    lines += ['', 'Requests/s in each second after ready (worse start):', '']
    width = 10
    lines.append('| server | ' + ' | '.join('s%d' % (i + 1) for i in range(width)) + ' |')
    lines.append('|---|' + '---:|' * width)
    for server in order(runs):
        d = worse(runs[server])
        lines.append('| %s | %s |' % (server, ' | '.join('{:,.0f}'.format(s['rps']) for s in d['seconds'][:width])))
    lines += ['', 'p99 latency (ms) in each second after ready (worse start):', '']
    lines.append('| server | ' + ' | '.join('s%d' % (i + 1) for i in range(width)) + ' |')
    lines.append('|---|' + '---:|' * width)
    for server in order(runs):
        d = worse(runs[server])
        lines.append('| %s | %s |' % (server, ' | '.join('%.1f' % (s['p99_us'] / 1000) for s in d['seconds'][:width])))
    if 'jdk25-aot-warmup' in runs:
        # Each criterion on the worse of the image's starts (not only the start kept above).
        starts = runs['jdk25-aot-warmup']
        ratio = min(d['ratio'] for d in starts)
        eff = min(d['eff_ratio'] for d in starts)
        ready = max(d['ready_ms'] for d in starts)
        rss_mb = max(d['rss_ready_mib'] for d in starts) * 1.048576
        checks = [('first second after ready >= 80% of warm', ratio >= GOAL_RATIO, '%.0f%%' % (100 * ratio)),
                  ('the same per CPU-second (what the machine\'s noise does not change)', eff >= GOAL_RATIO,
                   '%.0f%%' % (100 * eff)),
                  ('ready <= 3 s', ready <= GOAL_READY_MS, '%d ms' % ready),
                  ('idle RSS <= 100 MB', rss_mb <= GOAL_RSS_MB, '%.1f MB = %.1f MiB' % (rss_mb, rss_mb / 1.048576))]
        lines += ['', 'Goal (issue 13), the image (JDK 25 + AOT + warm-up), worse of its %d starts for each:' % len(starts),
                  '']
        lines += ['- %s: %s (%s)' % (name, 'met' if ok else '**not met**', value) for name, ok, value in checks]
    lines += ['', 'Machine and load (shared 2-core machine; see the load average per run in summary.csv):', '',
              '```', machine.strip(), '```', '']
    open(os.path.join(out, 'results.md'), 'w').write('\n'.join(lines))


def chart(out, runs):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={'width_ratios': [2.2, 1]})
    for server in order(runs):
        d = worse(runs[server])
        bin_s = d['bin_ms'] / 1000
        xs = [b['start_ms'] / 1000 + bin_s for b in d['bins'] if b['start_ms'] <= 10000]
        ys = [b['requests'] / bin_s / 1000 for b in d['bins'] if b['start_ms'] <= 10000]
        color = COLORS.get(server, '#9467bd')
        ax.step(xs, ys, where='pre', color=color, lw=1.6, label='%s: ready %.1f s, 1st s %.0f%% of warm' % (
            LABELS.get(server, server), d['ready_ms'] / 1000, 100 * d['ratio']))
        ax.axvline(d['ready_ms'] / 1000, color=color, ls=':', lw=1)
        ax.axhline(d['warm_rps'] / 1000, color=color, ls='--', lw=0.6, alpha=0.6)
    ax.set_xlim(0, 10)
    ax.set_ylim(bottom=0)
    ax.set_xlabel('seconds since process start (dotted: ready; dashed: warm level, ~30 s after ready)')
    ax.set_ylabel('thousand requests/s (250 ms bins)')
    ax.set_title('Cold start under --cpus=1 --memory=512m (worse of %d starts)' % max(len(r) for r in runs.values()))
    ax.legend(fontsize=8, loc='upper left')
    ax.grid(alpha=0.3)
    names = order(runs)
    ratios = [100 * worse(runs[s])['ratio'] for s in names]
    per_cpu = [100 * worse(runs[s])['eff_ratio'] for s in names]
    colors = [COLORS.get(s, '#9467bd') for s in names]
    bars = bx.barh([i - 0.2 for i in range(len(names))], ratios, height=0.4, color=colors, label='requests/s')
    cpu_bars = bx.barh([i + 0.2 for i in range(len(names))], per_cpu, height=0.4, color=colors, alpha=0.45,
                       hatch='//', label='requests per CPU-second')
    bx.axvline(100 * GOAL_RATIO, color='black', ls='--', lw=1)
    bx.text(100 * GOAL_RATIO, len(names) - 0.4, ' goal 80%', fontsize=8)
    for bar, value in list(zip(bars, ratios)) + list(zip(cpu_bars, per_cpu)):
        bx.text(value + 1, bar.get_y() + bar.get_height() / 2, '%.0f%%' % value, va='center', fontsize=7)
    bx.legend(fontsize=7, loc='center right')
    bx.set_yticks(range(len(names)))
    bx.set_yticklabels([LABELS.get(s, s).replace(' (the image)', '\n(the image)') for s in names], fontsize=8)
    bx.invert_yaxis()
    bx.set_xlim(0, 115)
    bx.set_xlabel('first second after ready, % of warm requests/s')
    fig.tight_layout()
    for ext in ('png',):
        fig.savefig(os.path.join(out, 'coldstart.' + ext), dpi=110)


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
