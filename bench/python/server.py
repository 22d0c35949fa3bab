#!/usr/bin/python3
"""Python peer of the benchmark: asyncio Protocol on uvloop, httptools for HTTP parsing, as in the seed.

The handler does the seed's workload: for every byte of the request path, count the sites having a byte
within distance 1 of it. It answers byte for byte what the Vert.x service answers (see docs/spec.md): the input
is the request-target as sent, up to the first '?', NOT percent-decoded; for the absolute form
"http://host/p?q" httptools.parse_url finds the path "/p". Bytes are unsigned (Python's own arithmetic).

Run with Debian's python (python3-uvloop, python3-httptools):
    /usr/bin/python3 bench/python/server.py [--host 127.0.0.1] [--port 8080]   (PORT env is the default)
"""

import argparse
import asyncio
import os
import sys

import httptools
import uvloop

# The sites, in the order of the response.
navytux = b'navytux.spb.ru'
nexedi = b'www.nexedi.com'
lab = b'lab.nexedi.com'
erp5 = b'www.erp5.com'


# whether byte ch is close to string s: some byte of s is within distance 1 of it
def isclose(ch, s):
    for ch2 in s:
        if abs(ch - ch2) <= 1:
            return True
    return False


class XClassifier:

    def __init__(self):
        self.nnavytux = 0
        self.nnexedi = 0
        self.nlab = 0
        self.nerp5 = 0
        self.ntotal = 0

    def nextChar(self, ch):
        if isclose(ch, navytux):
            self.nnavytux += 1
        if isclose(ch, nexedi):
            self.nnexedi += 1
        if isclose(ch, lab):
            self.nlab += 1
        if isclose(ch, erp5):
            self.nerp5 += 1
        self.ntotal += 1


def raw_path(url):
    """The path of a request-target as sent: origin-form up to '?', or the path of an absolute form."""
    if not url.startswith(b'/'):
        parsed = httptools.parse_url(url)
        # parse_url splits off the fragment too; take the raw bytes from where its path starts instead.
        start = url.find(b'/', url.find(b'://') + 3)
        if parsed.path is None or start < 0:
            return b'/'  # no path: the path is "/" (RFC 9110 section 4.2.3)
        url = url[start:]
    q = url.find(b'?')
    return url if q < 0 else url[:q]


class HttpProtocol(asyncio.Protocol):

    def __init__(self):
        self._transport = None
        self._parser = httptools.HttpRequestParser(self)
        self._url = b''

    def connection_made(self, transport):
        self._transport = transport

    def connection_lost(self, exc):
        self._transport = None

    def data_received(self, data):
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            self._respond(b'400 Bad Request', b'Bad Request\n', keep_alive=False)

    # httptools callbacks
    def on_message_begin(self):
        self._url = b''

    def on_url(self, url):
        self._url += url  # may come in pieces

    def on_message_complete(self):
        method = self._parser.get_method()
        keep_alive = self._parser.should_keep_alive()
        if method not in (b'GET', b'HEAD'):
            self._respond(b'405 Method Not Allowed', b'Method Not Allowed\n', keep_alive,
                          extra=b'Allow: GET, HEAD\r\n')
            return
        try:
            path = raw_path(self._url)
        except httptools.HttpParserInvalidURLError:
            self._respond(b'400 Bad Request', b'Bad Request\n', keep_alive)
            return
        xc = XClassifier()
        for ch in path:
            xc.nextChar(ch)
        body = b'%s:\t%d\n%s:\t%d\n%s:\t%d\n%s:\t%d\ntotal:\t%d\n' % (
            navytux, xc.nnavytux, nexedi, xc.nnexedi, lab, xc.nlab, erp5, xc.nerp5, xc.ntotal)
        self._respond(b'200 OK', body, keep_alive, head=(method == b'HEAD'))

    def _respond(self, status, body, keep_alive, extra=b'', head=False):
        if self._transport is None:
            return
        self._transport.write(b''.join([
            b'HTTP/1.1 ', status, b'\r\n',
            b'Content-Type: text/plain\r\n',
            b'Content-Length: ', str(len(body)).encode(), b'\r\n',
            extra,
            b'' if keep_alive else b'Connection: close\r\n',
            b'\r\n',
            b'' if head else body]))
        if not keep_alive:
            self._transport.close()
            self._transport = None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=int(os.environ.get('PORT', '8080')))
    args = ap.parse_args()
    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(HttpProtocol, args.host, args.port, reuse_address=True))
    print('python peer listening on %s:%d' % (args.host, args.port), file=sys.stderr, flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        loop.close()


if __name__ == '__main__':
    main()
