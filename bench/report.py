#!/usr/bin/python3
"""Turns bench/run's results.csv into results.md (table + ratios) and SVG charts.

    /usr/bin/python3 bench/report.py OUT_DIR [--base-cores 1] [--cores-chart]

The CSV has one row per server, N, core count and round. A server's figure is its median round; a ratio
is the median of the per-round ratios (the two servers of a round ran back to back, under the same noise).

Charts use matplotlib (Debian: python3-matplotlib) when it imports, else a small hand-written SVG.
Refused runs (no numbers in the CSV) show as "refused" and are left out of ratios and charts.
"""
import argparse
import csv
import math
import os
import statistics
from collections import OrderedDict

SERVER_ORDER = ['vertx-scan', 'vertx-table', 'vertx-scan-nometrics', 'vertx-scan-nio', 'go', 'python', 'nginx']
LABELS = {
    'vertx-scan': 'Vert.x scan (metrics on)',
    'vertx-table': 'Vert.x table (metrics on)',
    'vertx-scan-nometrics': 'Vert.x scan (metrics off)',
    'vertx-scan-nio': 'Vert.x scan (NIO transport, metrics on)',
    'go': 'Go net/http',
    'python': 'Python uvloop+httptools',
    'nginx': 'nginx constant answer',
}


def load(path):
    rows = []
    with open(path, newline='') as f:
        for r in csv.DictReader(f):
            r['N'] = int(r['N'])
            r['cores'] = int(r['cores'])
            r['rps'] = float(r['requests_per_sec']) if r['requests_per_sec'] else None
            r['round'] = int(r.get('round') or 1)
            rows.append(r)
    return rows


def median_rounds(rows):
    """One row per (server, N, cores): its median round (the lower one of an even count, so that p50/p99
    come from a real run), or a refused round if any was refused."""
    groups = OrderedDict()
    for r in rows:
        groups.setdefault((r['server'], r['N'], r['cores']), []).append(r)
    out = []
    for rounds in groups.values():
        refused = [r for r in rounds if r['rps'] is None]
        if refused:
            out.append(refused[0])
        else:
            out.append(sorted(rounds, key=lambda r: r['rps'])[(len(rounds) - 1) // 2])
    return out


def ordered_servers(rows):
    names = OrderedDict()
    for s in SERVER_ORDER + [r['server'] for r in rows]:
        if any(r['server'] == s for r in rows):
            names[s] = True
    return list(names)


def fmt_rps(v):
    return 'refused' if v is None else '{:,.0f}'.format(v)


def ratio(rows, a, b, n, cores):
    """Median over rounds of a's requests/s / b's, with the range when there are several rounds."""
    def by_round(server):
        return {r['round']: r['rps'] for r in rows if (r['server'], r['N'], r['cores']) == (server, n, cores)}
    ra, rb = by_round(a), by_round(b)
    rounds = sorted(set(ra) & set(rb))
    if not rounds or any(ra[k] is None or not rb[k] for k in rounds):
        return 'n/a'
    values = [ra[k] / rb[k] for k in rounds]
    text = '%.2fx' % statistics.median(values)
    return text if len(values) == 1 else '%s (%.2f-%.2f)' % (text, min(values), max(values))


def markdown(all_rows, base):
    rows = median_rounds(all_rows)
    rounds = max(r['round'] for r in all_rows)
    main = {(r['server'], r['N']): r for r in rows if r['cores'] == base}
    ns = sorted({r['N'] for r in rows})
    servers = [s for s in ordered_servers(rows) if any(k[0] == s for k in main)]
    out = ['# Benchmark results', '',
           'wrk -t1 -c40, server on %d core(s) (CPU 0%s), wrk on the others. Requests/s (higher is better); '
           'p50 / p99 latency in ms. Each cell is the median of %d round(s); in each round every server ran '
           'in turn.' % (base, '' if base == 1 else '-%d' % (base - 1), rounds), '',
           '| server | ' + ' | '.join('N=%d' % n for n in ns) + ' |',
           '|---|' + '---:|' * len(ns)]
    for s in servers:
        cells = []
        for n in ns:
            r = main.get((s, n))
            if r is None:
                cells.append('')
            elif r['rps'] is None:
                cells.append('refused (%s errors)' % r['errors'])
            else:
                cells.append('%s (%s / %s)' % (fmt_rps(r['rps']), r['latency_p50_ms'], r['latency_p99_ms']))
        out.append('| %s | %s |' % (LABELS.get(s, s), ' | '.join(cells)))
    out += ['', '## Ratios (requests/s)', '',
            'Median of the per-round ratios' + (', with their range.' if rounds > 1 else '.'), '',
            '| ratio | value |', '|---|---:|']
    ratio_of = lambda a, b, n: ratio(all_rows, a, b, n, base)
    for n in ns:
        out.append('| vertx-scan / go, N=%d | %s |' % (n, ratio_of('vertx-scan', 'go', n)))
    out.append('| vertx-scan / python, N=101 | %s |' % ratio_of('vertx-scan', 'python', 101))
    for n in [n for n in ns if n <= 11] or [1, 11]:
        out.append('| vertx-scan / nginx, N=%d | %s |' % (n, ratio_of('vertx-scan', 'nginx', n)))
    out.append('| metrics on / metrics off (vertx-scan / vertx-scan-nometrics), N=11 | %s |'
               % ratio_of('vertx-scan', 'vertx-scan-nometrics', 11))
    for n in ns:
        out.append('| epoll / NIO (vertx-scan / vertx-scan-nio), N=%d | %s |'
                   % (n, ratio_of('vertx-scan', 'vertx-scan-nio', n)))
    cores = sorted({r['cores'] for r in rows})
    if len(cores) > 1:
        out += ['', '## Cores sweep (requests/s)', '',
                '| server | N | ' + ' | '.join('%d core(s)' % c for c in cores) + ' |',
                '|---|---:|' + '---:|' * len(cores)]
        by = {(r['server'], r['N'], r['cores']): r['rps'] for r in rows}
        for s in ('vertx-scan', 'go'):
            for n in ns:
                if any((s, n, c) in by for c in cores):
                    out.append('| %s | %d | %s |' % (LABELS[s], n, ' | '.join(
                        fmt_rps(by[(s, n, c)]) if (s, n, c) in by else '' for c in cores)))
    out += ['', 'Refused runs (socket errors or non-2xx responses) have no numbers. '
            'Charts: rps-vs-n.svg' + (', rps-vs-cores.svg' if len(cores) > 1 else '') + '.', '']
    return '\n'.join(out)


# ---- charts

def chart(path, title, xlabel, series, log_x):
    """series: OrderedDict label -> [(x, y)]"""
    series = OrderedDict((k, sorted(v)) for k, v in series.items() if v)
    if not series:
        return
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return svg_chart(path, title, xlabel, series, log_x)
    fig, ax = plt.subplots(figsize=(8, 5))
    for label, pts in series.items():
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker='o', label=label)
    if log_x:
        ax.set_xscale('log')
    xs = sorted({p[0] for pts in series.values() for p in pts})
    ax.set_xticks(xs)
    ax.set_xticklabels([str(x) for x in xs])
    ax.minorticks_off()
    ax.set_xlabel(xlabel)
    ax.set_ylabel('requests/s')
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize='small')
    fig.tight_layout()
    fig.savefig(path, format='svg')
    fig.savefig(os.path.splitext(path)[0] + '.png', format='png', dpi=100)  # for viewers without SVG
    plt.close(fig)


def svg_chart(path, title, xlabel, series, log_x):
    """Hand-written fallback: lines with markers, log-x optional, y from 0."""
    w, h, l, r, t, b = 800, 500, 80, 220, 40, 60
    xs = sorted({p[0] for pts in series.values() for p in pts})
    ymax = max(p[1] for pts in series.values() for p in pts) * 1.1 or 1
    fx = (lambda x: math.log10(x)) if log_x else (lambda x: x)
    x0, x1 = fx(xs[0]), fx(xs[-1])
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    px = lambda x: l + (fx(x) - x0) / (x1 - x0) * (w - l - r)
    py = lambda y: h - b - y / ymax * (h - t - b)
    colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f']
    e = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
         'font-size="12">' % (w, h), '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="20" font-size="15">%s</text>' % (l, title),
         '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (l, h - b, w - r, h - b),
         '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (l, t, l, h - b),
         '<text x="%d" y="%d" text-anchor="middle">%s</text>' % ((l + w - r) / 2, h - 15, xlabel),
         '<text x="15" y="%d" transform="rotate(-90 15 %d)" text-anchor="middle">requests/s</text>'
         % ((t + h - b) / 2, (t + h - b) / 2)]
    for x in xs:
        e.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (px(x), h - b + 18, x))
    for i in range(6):
        y = ymax * i / 5
        e.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (l, py(y), w - r, py(y)))
        e.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (l - 5, py(y) + 4, '{:,.0f}'.format(y)))
    for i, (label, pts) in enumerate(series.items()):
        c = colors[i % len(colors)]
        e.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                 % (c, ' '.join('%.1f,%.1f' % (px(x), py(y)) for x, y in pts)))
        e += ['<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (px(x), py(y), c) for x, y in pts]
        e.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' % (w - r + 10, t + 20 * i, c))
        e.append('<text x="%d" y="%d">%s</text>' % (w - r + 28, t + 20 * i + 11, label))
    e.append('</svg>')
    with open(path, 'w') as f:
        f.write('\n'.join(e) + '\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--base-cores', type=int, default=1)
    ap.add_argument('--cores-chart', action='store_true', help='draw rps-vs-cores.svg (a CORES sweep ran)')
    args = ap.parse_args()
    all_rows = load(os.path.join(args.out, 'results.csv'))
    rows = median_rounds(all_rows)
    machine = os.path.join(args.out, 'machine.txt')
    with open(os.path.join(args.out, 'results.md'), 'w') as f:
        text = markdown(all_rows, args.base_cores)
        if os.path.exists(machine):  # the command, core count and date, first thing under the title
            title, rest = text.split('\n', 1)
            lines = ['- ' + line.strip() for line in open(machine) if line.strip()]
            text = title + '\n\n' + '\n'.join(lines) + '\n' + rest
        f.write(text)
    by_n = OrderedDict()
    for s in ordered_servers(rows):
        by_n[LABELS.get(s, s)] = [(r['N'], r['rps']) for r in rows
                                  if r['server'] == s and r['cores'] == args.base_cores and r['rps'] is not None]
    chart(os.path.join(args.out, 'rps-vs-n.svg'),
          'requests/s vs path size N (wrk -t1 -c40, server on %d core(s))' % args.base_cores,
          'N (path bytes, log scale)', by_n, log_x=True)
    if args.cores_chart:
        by_c = OrderedDict()
        for s in ('vertx-scan', 'go'):
            for n in sorted({r['N'] for r in rows}):
                by_c['%s N=%d' % (LABELS[s], n)] = [(r['cores'], r['rps']) for r in rows
                                                  if r['server'] == s and r['N'] == n and r['rps'] is not None]
        chart(os.path.join(args.out, 'rps-vs-cores.svg'), 'requests/s vs server cores (wrk -t1 -c40)',
              'server cores', by_c, log_x=False)


if __name__ == '__main__':
    main()
