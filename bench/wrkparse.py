#!/usr/bin/python3
"""Reads one `wrk --latency` output and prints: requests_per_sec,latency_p50_ms,latency_p99_ms,errors.

errors counts socket errors (connect, read, write, timeout) plus "Non-2xx or 3xx responses"; a run with
errors > 0 is refused by bench/run. Exits 2 when the output has no Requests/sec line (wrk failed).
"""
import re
import sys

UNITS_MS = {'us': 0.001, 'ms': 1.0, 's': 1000.0, 'm': 60000.0}


def to_ms(value, unit):
    return float(value) * UNITS_MS[unit]


def parse(text):
    rps = re.search(r'^Requests/sec:\s+([0-9.]+)', text, re.M)
    if not rps:
        raise ValueError('no "Requests/sec:" line in the wrk output')
    lat = dict(re.findall(r'^\s+(50|99)(?:\.0+)?%\s+([0-9.]+(?:us|ms|s|m))\s*$', text, re.M))
    if '50' not in lat or '99' not in lat:
        raise ValueError('no latency distribution (was wrk run with --latency?)')

    def ms(s):
        m = re.fullmatch(r'([0-9.]+)(us|ms|s|m)', s)
        return to_ms(m.group(1), m.group(2))

    errors = 0
    sock = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', text)
    if sock:
        errors += sum(int(g) for g in sock.groups())
    non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', text)
    if non2xx:
        errors += int(non2xx.group(1))
    return float(rps.group(1)), ms(lat['50']), ms(lat['99']), errors


if __name__ == '__main__':
    try:
        with open(sys.argv[1]) as f:
            rps, p50, p99, errors = parse(f.read())
    except ValueError as e:
        print('%s: %s' % (sys.argv[1], e), file=sys.stderr)
        sys.exit(2)
    print('%.2f,%.3f,%.3f,%d' % (rps, p50, p99, errors))
