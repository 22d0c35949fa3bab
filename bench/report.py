#!/usr/bin/python3
"""Tables and charts of the HTTP benchmarks (matplotlib from Debian's python3-matplotlib for the charts).

    /usr/bin/python3 bench/report.py OUT_DIR [--base-cores 1] [--cores-chart]   # bench/run's results.csv
    /usr/bin/python3 bench/report.py --metrics-overhead OUT_DIR [--labels side=legend,...]
                                                                # bench/metrics-overhead's

bench/run's CSV has one row per server, N, paths ("fixed" or "varied"), core count and round. A server's
figure is its median round; a ratio is the median of the per-round ratios (the servers of a round ran back
to back, under the same noise), shown with its range. It writes results.md and, as .png:
  headline   requests/s vs N of this service, Go, Python and the nginx ceiling, fixed and varied paths, the
             marker at the median round and the bar from the slowest to the fastest round;
  variants   the other Vert.x builds as a ratio to the default one (vertx-scan) per N;
  cores      requests/s vs server cores (with --cores-chart).
bench/metrics-overhead's CSV (round, side, requests_per_sec) gives metrics-overhead.png: every round's
requests/s per side, and every round's ratio to the first side.

Refused runs (no numbers in the CSV) show as "refused" and are left out of ratios and charts.
"""
import argparse
import csv
import os
import statistics
import sys
import textwrap
from collections import OrderedDict

SERVER_ORDER = ['vertx-scan', 'vertx-table', 'vertx-scan-nometrics', 'vertx-scan-nio', 'go', 'python', 'nginx']
LABELS = {
    'vertx-scan': 'this service (Vert.x, scan, metrics on)',
    'vertx-table': 'Vert.x table (metrics on)',
    'vertx-scan-nometrics': 'Vert.x scan, metrics off',
    'vertx-scan-nio': 'Vert.x scan, NIO transport',
    'go': 'Go net/http',
    'python': 'Python uvloop+httptools',
    'nginx': 'nginx constant answer (ceiling)',
}
HEADLINE = ['vertx-scan', 'go', 'python', 'nginx']
VARIANTS = ['vertx-table', 'vertx-scan-nometrics', 'vertx-scan-nio']
MODES = ['fixed', 'varied']
MODE_TITLES = {'fixed': 'fixed path (the seed\'s experiment)', 'varied': '64 varied paths of the same N'}


def load(path):
    rows = []
    with open(path, newline='') as f:
        for r in csv.DictReader(f):
            r['N'] = int(r['N'])
            r['cores'] = int(r['cores'])
            r['paths'] = r.get('paths') or 'fixed'   # CSVs from before the varied rows
            r['rps'] = float(r['requests_per_sec']) if r['requests_per_sec'] else None
            r['cpu'] = float(r['cpu_us_per_request']) if r.get('cpu_us_per_request') else None
            r['round'] = int(r.get('round') or 1)
            rows.append(r)
    return rows


def key(r):
    return r['server'], r['N'], r['paths'], r['cores']


def median_rounds(rows):
    """One row per (server, N, paths, cores): its median round (the lower one of an even count, so that
    p50/p99 come from a real run), or a refused round if any was refused."""
    groups = OrderedDict()
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    out = []
    for rounds in groups.values():
        refused = [r for r in rounds if r['rps'] is None]
        if refused:
            out.append(refused[0])
        else:
            out.append(sorted(rounds, key=lambda r: r['rps'])[(len(rounds) - 1) // 2])
    return out


def spread(rows, server, n, mode, cores, cpu=False):
    """(median, min, max) of a server's rounds (requests/s, or with cpu requests per CPU second), or None when
    any round was refused or none ran."""
    values = [(1e6 / r['cpu'] if r['cpu'] else None) if cpu else r['rps']
              for r in rows if key(r) == (server, n, mode, cores)]
    if not values or any(v is None for v in values):
        return None
    return sorted(values)[(len(values) - 1) // 2], min(values), max(values)


def ratios(rows, a, b, n, cores, mode_a, mode_b=None):
    """Per-round ratios of a's requests/s to b's (same round), or None."""
    def by_round(server, mode):
        return {r['round']: r['rps'] for r in rows if key(r) == (server, n, mode, cores)}
    ra, rb = by_round(a, mode_a), by_round(b, mode_b or mode_a)
    rounds = sorted(set(ra) & set(rb))
    if not rounds or any(ra[k] is None or not rb[k] for k in rounds):
        return None
    return [ra[k] / rb[k] for k in rounds]


def cpu_ratios(rows, a, b, n, cores, mode):
    """Per-round ratios of a's requests per CPU second to b's (b's CPU us/request / a's), or None."""
    def by_round(server):
        return {r['round']: r['cpu'] for r in rows if key(r) == (server, n, mode, cores)}
    ca, cb = by_round(a), by_round(b)
    rounds = sorted(set(ca) & set(cb))
    if not rounds or any(not ca[k] or not cb[k] for k in rounds):
        return None
    return [cb[k] / ca[k] for k in rounds]


def fmt_ratio(values):
    if not values:
        return 'n/a'
    text = '%.2fx' % statistics.median(values)
    return text if len(values) == 1 else '%s (%.2f-%.2f)' % (text, min(values), max(values))


def ordered_servers(rows):
    names = OrderedDict()
    for s in SERVER_ORDER + [r['server'] for r in rows]:
        if any(r['server'] == s for r in rows):
            names[s] = True
    return list(names)


def markdown(all_rows, base):
    rows = median_rounds(all_rows)
    rounds = max(r['round'] for r in all_rows)
    ns = sorted({r['N'] for r in rows})
    modes = [m for m in MODES if any(r['paths'] == m for r in rows)]
    out = ['# Benchmark results', '',
           'wrk -t1 -c40, server on %d core(s) (CPU 0%s), wrk on the others. Requests/s (higher is better); '
           'p50 / p99 latency in ms. Each cell is the median of %d round(s); in each round every server ran '
           'in turn%s.' % (base, '' if base == 1 else '-%d' % (base - 1), rounds,
                            ', with fixed and varied paths' if len(modes) > 1 else '')]
    if 'varied' in modes:
        out += ['', '"Fixed": the seed\'s experiment, one path of N bytes requested over and over. "Varied": '
                '64 random paths of the same N (`bench/varied.py`, seeded: the same set for every server), '
                'cycled by `bench/varied.lua`, so the counts change from request to request and every server '
                'renders every answer (this service otherwise reuses its last body while the counts repeat). '
                'N=1 has a single path, "/": fixed only. nginx answers a constant whatever the path: its '
                'varied row is the ceiling of wrk driving the Lua script.']
    main = {(r['server'], r['N'], r['paths']): r for r in rows if r['cores'] == base}
    for mode in modes:
        mode_ns = [n for n in ns if any(k[1:] == (n, mode) for k in main)]
        out += ['', '## %s: requests/s (p50 / p99 ms)' % (MODE_TITLES[mode][0].upper() + MODE_TITLES[mode][1:]), '']
        out += ['| server | ' + ' | '.join('N=%d' % n for n in mode_ns) + ' |', '|---|' + '---:|' * len(mode_ns)]
        for s in ordered_servers(rows):
            cells = []
            for n in mode_ns:
                r = main.get((s, n, mode))
                if r is None:
                    cells.append('')
                elif r['rps'] is None:
                    cells.append('refused (%s errors)' % r['errors'])
                else:
                    cells.append('{:,.0f} ({} / {})'.format(r['rps'], r['latency_p50_ms'], r['latency_p99_ms']))
            if any(cells):
                out.append('| %s | %s |' % (LABELS.get(s, s), ' | '.join(cells)))
    if any(r['cpu'] for r in all_rows):
        for mode in modes:
            mode_ns = [n for n in ns if any(k[1:] == (n, mode) for k in main)]
            out += ['', '## %s: server CPU µs per request' % (MODE_TITLES[mode][0].upper() + MODE_TITLES[mode][1:]),
                    '', 'The server\'s CPU time (user + system, all threads and child processes) during a round, '
                    'divided by the requests wrk counted; median of the rounds (lower is better). It leaves out '
                    'the time other processes held the server\'s CPU.', '',
                    '| server | ' + ' | '.join('N=%d' % n for n in mode_ns) + ' |', '|---|' + '---:|' * len(mode_ns)]
            for s in ordered_servers(rows):
                cells = []
                for n in mode_ns:
                    values = [r['cpu'] for r in all_rows if key(r) == (s, n, mode, base) and r['cpu']]
                    cells.append('%.2f' % statistics.median(values) if values else '')
                if any(cells):
                    out.append('| %s | %s |' % (LABELS.get(s, s), ' | '.join(cells)))
    cpu_cols = any(r['cpu'] for r in all_rows)
    out += ['', '## Ratios', '',
            'Median of the per-round ratios' + (', with their range' if rounds > 1 else '') + '. Requests/s, '
            + ('and requests per CPU second of the server (the inverse ratio of CPU µs per request), '
               if cpu_cols else '')
            + 'per kind of path.', '',
            '| ratio | N | ' + ' | '.join('req/s, %s' % m for m in modes)
            + ''.join(' | req per CPU s, %s' % m for m in modes if cpu_cols) + ' |',
            '|---|---:|' + '---:|' * (len(modes) * (2 if cpu_cols else 1))]

    def line(label, a, b, n_list):
        for n in n_list:
            cells = [fmt_ratio(ratios(all_rows, a, b, n, base, m)) for m in modes]
            if cpu_cols:
                cells += [fmt_ratio(cpu_ratios(all_rows, a, b, n, base, m)) for m in modes]
            if any(c != 'n/a' for c in cells):
                out.append('| %s | %d | %s |' % (label, n, ' | '.join(cells)))
    line('vertx-scan / go', 'vertx-scan', 'go', ns)
    line('vertx-scan / python', 'vertx-scan', 'python', [n for n in ns if n == 101] or ns)
    line('vertx-scan / nginx', 'vertx-scan', 'nginx', [n for n in ns if n <= 11])
    line('metrics on / off (vertx-scan / vertx-scan-nometrics)', 'vertx-scan', 'vertx-scan-nometrics', ns)
    line('table / scan (vertx-table / vertx-scan)', 'vertx-table', 'vertx-scan', ns)
    line('epoll / NIO (vertx-scan / vertx-scan-nio)', 'vertx-scan', 'vertx-scan-nio', ns)
    if 'varied' in modes and 'fixed' in modes:
        out += ['', '### Varied / fixed, per server (same round)', '',
                '| server | ' + ' | '.join('N=%d' % n for n in ns if n > 1) + ' |',
                '|---|' + '---:|' * len([n for n in ns if n > 1])]
        for s in ordered_servers(rows):
            cells = [fmt_ratio(ratios(all_rows, s, s, n, base, 'varied', 'fixed')) for n in ns if n > 1]
            if any(c != 'n/a' for c in cells):
                out.append('| %s | %s |' % (LABELS.get(s, s), ' | '.join(cells)))
        if cpu_cols:
            out += ['', 'The same in requests per CPU second (fixed\'s CPU µs per request / varied\'s):', '',
                    '| server | ' + ' | '.join('N=%d' % n for n in ns if n > 1) + ' |',
                    '|---|' + '---:|' * len([n for n in ns if n > 1])]
            for s in ordered_servers(rows):
                cells = []
                for n in ns:
                    if n == 1:
                        continue
                    fixed = {r['round']: r['cpu'] for r in all_rows if key(r) == (s, n, 'fixed', base)}
                    varied = {r['round']: r['cpu'] for r in all_rows if key(r) == (s, n, 'varied', base)}
                    both = [k for k in sorted(set(fixed) & set(varied)) if fixed[k] and varied[k]]
                    cells.append(fmt_ratio([fixed[k] / varied[k] for k in both]))
                if any(c != 'n/a' for c in cells):
                    out.append('| %s | %s |' % (LABELS.get(s, s), ' | '.join(cells)))
    cores = sorted({r['cores'] for r in rows})
    if len(cores) > 1:
        out += ['', '## Cores sweep (requests/s, fixed path)', '',
                '| server | N | ' + ' | '.join('%d core(s)' % c for c in cores) + ' |',
                '|---|---:|' + '---:|' * len(cores)]
        by = {(r['server'], r['N'], r['cores']): r['rps'] for r in rows if r['paths'] == 'fixed'}
        for s in ('vertx-scan', 'go'):
            for n in ns:
                if any((s, n, c) in by for c in cores):
                    out.append('| %s | %d | %s |' % (LABELS[s], n, ' | '.join(
                        ('refused' if by[(s, n, c)] is None else '{:,.0f}'.format(by[(s, n, c)]))
                        if (s, n, c) in by else '' for c in cores)))
    out += ['', 'Refused runs (socket errors or non-2xx responses) have no numbers. Charts: headline.png, '
            'variants.png' + (', headline-cpu.png, variants-cpu.png' if cpu_cols else '')
            + (', cores.png' if len(cores) > 1 else '') + '.', '']
    return '\n'.join(out)


# ---- charts

def pyplot():
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter
    except ImportError:
        print('report.py: no matplotlib (Debian: python3-matplotlib): tables only, no charts', file=sys.stderr)
        return None, None
    return plt, FuncFormatter(lambda v, _: '0' if v == 0 else ('%gk' % (v / 1000) if abs(v) >= 1000 else '%g' % v))


def save(plt, fig, out, name, footer):
    """Writes OUT/NAME.png, with the machine, date, load and command in small print at the bottom."""
    width = int(fig.get_figwidth() * 17)   # characters of 7-point text per line
    lines = [w for part in footer.splitlines() for w in textwrap.wrap(part, width)]
    fig.text(0.01, 0.01, '\n'.join(lines), fontsize=7, color='#555555', ha='left', va='bottom')
    fig.tight_layout(rect=(0, 0.012 * (len(lines) + 1), 1, 1))
    fig.savefig(os.path.join(out, name + '.png'), format='png', dpi=110, metadata={'Software': None})
    plt.close(fig)


def footer_of(out):
    path = os.path.join(out, 'machine.txt')
    if not os.path.exists(path):
        return ''
    info = dict(line.split(': ', 1) for line in open(path).read().splitlines() if ': ' in line)
    return '%s; %s; load %s' % (info.get('machine', ''), info.get('date', ''), info.get('load', 'not recorded')) + \
        '\n' + info.get('command', '')


def log_n_axis(ax, ns):
    ax.set_xscale('log')
    ax.set_xticks(ns)
    ax.set_xticklabels([str(n) for n in ns])
    ax.minorticks_off()
    ax.set_xlabel('N (path bytes, log scale)')
    ax.grid(True, alpha=0.3)


def headline_chart(plt, kfmt, rows, out, base, footer, cpu=False):
    modes = [m for m in MODES if any(r['paths'] == m for r in rows)]
    servers = [s for s in HEADLINE if any(r['server'] == s for r in rows)]
    if not modes or not servers:
        return
    ns = sorted({r['N'] for r in rows})
    fig, axes = plt.subplots(1, len(modes), figsize=(max(8, 6 * len(modes)), 5.5), sharey=True, squeeze=False)
    colors = {'vertx-scan': '#d62728', 'go': '#1f77b4', 'python': '#2ca02c', 'nginx': '#7f7f7f'}
    for ax, mode in zip(axes[0], modes):
        for s in servers:
            pts = [(n, spread(rows, s, n, mode, base, cpu)) for n in ns]
            pts = [(n, v) for n, v in pts if v]
            if not pts:
                continue
            med = [v[0] for _, v in pts]
            ax.errorbar([n for n, _ in pts], med, yerr=[[v[0] - v[1] for _, v in pts], [v[2] - v[0] for _, v in pts]],
                        marker='o', capsize=4, label=LABELS[s], color=colors.get(s),
                        linestyle='--' if s == 'nginx' else '-')
        log_n_axis(ax, [n for n in ns if spread(rows, 'vertx-scan', n, mode, base) or mode == 'fixed'])
        ax.set_title(MODE_TITLES[mode])
        ax.yaxis.set_major_formatter(kfmt)
        ax.set_ylim(bottom=0)
    what = 'requests per CPU second of the server' if cpu else 'requests/s'
    axes[0][0].set_ylabel('%s\n(median round; bars: min-max of the rounds)' % what)
    axes[0][0].legend(fontsize='small', loc='lower left')
    fig.suptitle('%s vs path size N: wrk -t1 -c40, each server on %d core(s)' % (what, base)
                 + ('\n(the server\'s CPU time per request inverted: leaves out time other processes held the CPU)'
                    if cpu else ''))
    save(plt, fig, out, 'headline-cpu' if cpu else 'headline', footer)


def variants_chart(plt, rows, out, base, footer, cpu=False):
    modes = [m for m in MODES if any(r['paths'] == m for r in rows)]
    variants = [s for s in VARIANTS if any(r['server'] == s for r in rows)]
    if not variants or not any(r['server'] == 'vertx-scan' for r in rows):
        return
    ns = sorted({r['N'] for r in rows})
    fig, axes = plt.subplots(1, len(modes), figsize=(max(8, 6 * len(modes)), 5), sharey=True, squeeze=False)
    width = 0.8 / len(variants)
    for ax, mode in zip(axes[0], modes):
        mode_ns = [n for n in ns if ratios(rows, 'vertx-scan', 'vertx-scan', n, base, mode)]
        for i, s in enumerate(variants):
            xs, med, lo, hi = [], [], [], []
            for j, n in enumerate(mode_ns):
                values = (cpu_ratios if cpu else ratios)(rows, s, 'vertx-scan', n, base, mode)
                if values:
                    m = statistics.median(values)
                    xs.append(j + (i - (len(variants) - 1) / 2) * width)
                    med.append(m)
                    lo.append(m - min(values))
                    hi.append(max(values) - m)
            ax.bar(xs, [m - 1 for m in med], width, bottom=1, yerr=[lo, hi], capsize=3, label=LABELS[s])
        ax.axhline(1, color='black', linewidth=0.8)
        ax.set_xticks(range(len(mode_ns)))
        ax.set_xticklabels(['N=%d' % n for n in mode_ns])
        ax.set_title(MODE_TITLES[mode])
        ax.grid(True, axis='y', alpha=0.3)
    what = 'requests per CPU second' if cpu else 'requests/s'
    axes[0][0].set_ylabel('%s / default build\'s (same round)' % what)
    axes[0][0].legend(fontsize='small')
    fig.suptitle('Vert.x variants / the default build (scan, epoll, metrics on), %s, same round\n'
                 'bar: median of the rounds\' ratios; whiskers: min-max' % what)
    save(plt, fig, out, 'variants-cpu' if cpu else 'variants', footer)


def cores_chart(plt, kfmt, rows, out, footer):
    fig, ax = plt.subplots(figsize=(8, 5))
    for s in ('vertx-scan', 'go'):
        for n in sorted({r['N'] for r in rows}):
            pts = sorted((r['cores'], r['rps']) for r in median_rounds(rows)
                         if r['server'] == s and r['N'] == n and r['paths'] == 'fixed' and r['rps'] is not None)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker='o', label='%s N=%d' % (LABELS[s], n))
    ax.set_xlabel('server cores')
    ax.set_ylabel('requests/s')
    ax.yaxis.set_major_formatter(kfmt)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize='small')
    ax.set_title('requests/s vs server cores (wrk -t1 -c40, fixed path)')
    save(plt, fig, out, 'cores', footer)


def metrics_overhead_chart(out, labels):
    """bench/metrics-overhead's results.csv: round,side,requests_per_sec. labels: side -> legend text."""
    plt, kfmt = pyplot()
    if plt is None:
        return
    by, cpu = OrderedDict(), OrderedDict()
    with open(os.path.join(out, 'results.csv'), newline='') as f:
        for r in csv.DictReader(f):
            by.setdefault(r['side'], {})[int(r['round'])] = float(r['requests_per_sec'])
            if r.get('cpu_us_per_request'):   # runs since the CPU time was recorded
                cpu.setdefault(r['side'], {})[int(r['round'])] = float(r['cpu_us_per_request'])
    sides = list(by)
    rounds = sorted(by[sides[0]])
    info = {}
    md = os.path.join(out, 'results.md')
    if os.path.exists(md):
        for line in open(md):
            if line.startswith('# ') and ' at N=' in line:
                info['N'] = line.split(' at N=', 1)[1].split()[0]
            for field in ('Command', 'Date', 'Machine', 'Load (uptime: 1, 5, 15 min)'):
                if line.startswith(field + ': '):
                    info[field.split()[0]] = line.split(': ', 1)[1].strip().strip('`')
    title_n = ' at N=%s' % info['N'] if 'N' in info else ''
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True, gridspec_kw={'height_ratios': [3, 2]})
    name = lambda side: labels.get(side, side)
    for s in sides:
        top.plot(rounds, [by[s][r] for r in rounds], marker='o', label=name(s))
    top.yaxis.set_major_formatter(kfmt)
    top.set_ylim(bottom=0)
    top.set_ylabel('requests/s')
    top.grid(True, alpha=0.3)
    top.legend(fontsize='small', loc='lower right')
    top.set_title('Paired rounds%s: every side loaded in turn in each round (wrk -t1 -c40, servers on CPU 0)'
                  % title_n, fontsize='medium')
    for s in sides[1:]:
        values = [by[sides[0]][r] / by[s][r] for r in rounds]
        m = statistics.median(values)
        line, = bottom.plot(rounds, values, marker='o',
                            label='requests/s, %s / %s: median %.3f' % (name(sides[0]), name(s), m))
        bottom.axhline(m, color=line.get_color(), linestyle='--', linewidth=1)
        if s in cpu and sides[0] in cpu:
            values = [cpu[s][r] / cpu[sides[0]][r] for r in rounds]
            m = statistics.median(values)
            line, = bottom.plot(rounds, values, marker='s', linestyle=':',
                                label='requests per CPU second, %s / %s: median %.3f' % (name(sides[0]), name(s), m))
            bottom.axhline(m, color=line.get_color(), linestyle='--', linewidth=1)
    bottom.axhline(1, color='black', linewidth=0.8)
    bottom.set_ylabel('ratio (same round)')
    bottom.set_xlabel('round')
    bottom.set_xticks(rounds)
    bottom.grid(True, alpha=0.3)
    bottom.legend(fontsize='small')
    footer = '%s; %s; load %s\n%s' % (info.get('Machine', ''), info.get('Date', ''), info.get('Load', 'not recorded'),
                                      info.get('Command', ''))
    save(plt, fig, out, 'metrics-overhead', footer)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--base-cores', type=int, default=1)
    ap.add_argument('--cores-chart', action='store_true', help='draw cores.png (a CORES sweep ran)')
    ap.add_argument('--metrics-overhead', action='store_true', help='OUT is a bench/metrics-overhead output')
    ap.add_argument('--labels', default='', help='with --metrics-overhead: side=legend,... e.g. '
                    '"metrics-on=Router,baseline-on=raw handler"')
    args = ap.parse_args()
    if args.metrics_overhead:
        return metrics_overhead_chart(args.out, dict(kv.split('=', 1) for kv in args.labels.split(',') if kv))
    all_rows = load(os.path.join(args.out, 'results.csv'))
    machine = os.path.join(args.out, 'machine.txt')
    with open(os.path.join(args.out, 'results.md'), 'w') as f:
        text = markdown(all_rows, args.base_cores)
        if os.path.exists(machine):  # the command, core count, date and load, first thing under the title
            title, rest = text.split('\n', 1)
            lines = ['- ' + line.strip() for line in open(machine) if line.strip()]
            text = title + '\n\n' + '\n'.join(lines) + '\n' + rest
        f.write(text)
    plt, kfmt = pyplot()
    if plt is None:
        return
    footer = footer_of(args.out)
    headline_chart(plt, kfmt, all_rows, args.out, args.base_cores, footer)
    variants_chart(plt, all_rows, args.out, args.base_cores, footer)
    if any(r['cpu'] for r in all_rows):
        headline_chart(plt, kfmt, all_rows, args.out, args.base_cores, footer, cpu=True)
        variants_chart(plt, all_rows, args.out, args.base_cores, footer, cpu=True)
    if args.cores_chart:
        cores_chart(plt, kfmt, all_rows, args.out, footer)


if __name__ == '__main__':
    main()
