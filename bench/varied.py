#!/usr/bin/python3
"""Paths for bench/run's varied-path rows, and a check of the servers' answers to them.

    /usr/bin/python3 bench/varied.py paths N COUNT SEED > FILE   # COUNT random paths of N bytes, seeded
    /usr/bin/python3 bench/varied.py check HOST:PORT FILE        # every path's answer, against the reference

A path is "/" and N-1 bytes drawn from A-Z a-z 0-9 "-._~" (unreserved: no server rewrites, decodes or
redirects them). The same SEED gives the same paths, so every server gets the same set. `check` asks for
every path over one keep-alive connection and compares each body with the seed's workload computed here;
it prints how many distinct answers the set has (the point of the rows: the counts change from request to
request) and exits 1 on the first wrong answer.
"""
import http.client
import random
import string
import sys

SITES = [b'navytux.spb.ru', b'www.nexedi.com', b'lab.nexedi.com', b'www.erp5.com']
ALPHABET = string.ascii_letters + string.digits + '-._~'


def paths(n, count, seed):
    rng = random.Random(seed * 1000003 + n)   # one stream per N: adding an N does not change the others
    return ['/' + ''.join(rng.choice(ALPHABET) for _ in range(n - 1)) for _ in range(count)]


def expected(path):
    raw = path.encode('ascii')
    counts = [sum(1 for ch in raw if any(abs(ch - c) <= 1 for c in site)) for site in SITES]
    lines = ['%s:\t%d' % (site.decode(), k) for site, k in zip(SITES, counts)] + ['total:\t%d' % len(raw)]
    return ('\n'.join(lines) + '\n').encode()


def check(hostport, file):
    host, port = hostport.rsplit(':', 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    bodies = set()
    with open(file) as f:
        todo = [line.rstrip('\n') for line in f if line.strip()]
    for path in todo:
        conn.request('GET', path)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200 or body != expected(path):
            print('%s: %s answered %d %r, expected %r' % (hostport, path[:40] + '...', resp.status, body,
                                                          expected(path)), file=sys.stderr)
            return 1
        bodies.add(body)
    print('%d paths answered correctly, %d distinct answers' % (len(todo), len(bodies)))
    return 0


def main(argv):
    if len(argv) == 5 and argv[1] == 'paths':
        print('\n'.join(paths(int(argv[2]), int(argv[3]), int(argv[4]))))
        return 0
    if len(argv) == 4 and argv[1] == 'check':
        return check(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
