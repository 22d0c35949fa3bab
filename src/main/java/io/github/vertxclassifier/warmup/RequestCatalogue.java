package io.github.vertxclassifier.warmup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What the warm-up sends: the public port's requests (the benchmark's paths and varied ones, GET and now and then
 * HEAD, with a load generator's or an ingress proxy's headers), and the management port's (a kubelet's probes, once
 * a Prometheus scrape), as the bytes of HTTP/1.1 requests built once.
 */
final class RequestCatalogue {

    /**
     * The public port's request headers: as a load generator sends them, and as an ingress proxy forwards a
     * client's; every other path gets the second set (why: docs/bench/coldstart, step 15).
     */
    private static final List<String> PUBLIC_HEADERS = List.of(
            "Host: localhost\r\nUser-Agent: vertx-classifier-warm-up\r\n",
            "Host: classifier.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: */*\r\n"
                    + "Accept-Encoding: gzip, deflate, br\r\nX-Request-ID: 4f2c9a1e8b7d4c3a9e6f0b1d2c3a4b5c\r\n"
                    + "X-Real-IP: 203.0.113.7\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Host: classifier.example.com\r\n"
                    + "X-Forwarded-Port: 443\r\nX-Forwarded-Proto: https\r\nX-Scheme: https\r\n");

    /** A kubelet's readiness probe: 200 once the service is ready. */
    static final byte[] READINESS_PROBE = probe("/health/ready");

    /**
     * The management port's requests: a kubelet's readiness and liveness probes in turn, each on a new connection
     * closed after the answer, and once (the {@link #SCRAPE_TURN}th) a Prometheus scrape.
     */
    private static final List<byte[]> PROBES = List.of(READINESS_PROBE, probe("/health/live"));

    private static final byte[] SCRAPE = ("GET /metrics HTTP/1.1\r\nHost: 10.0.0.7:9090\r\n"
                    + "User-Agent: Prometheus/3.5.0\r\nAccept: application/openmetrics-text;version=1.0.0;q=0.5,"
                    + "text/plain;version=0.0.4;q=0.3,*/*;q=0.2\r\nAccept-Encoding: gzip\r\n"
                    + "X-Prometheus-Scrape-Timeout-Seconds: 10\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    /** Which management request is the scrape; once is enough (docs/bench/coldstart, step 15). */
    private static final long SCRAPE_TURN = 2;

    private final List<byte[]> getRequests = requests("GET");
    private final List<byte[]> headRequests = requests("HEAD");

    private static byte[] probe(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 10.0.0.7:9090\r\nUser-Agent: kube-probe/1.33\r\n"
                        + "Accept: */*\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The {@code turn}th request to the management port: the scrape at {@link #SCRAPE_TURN}, else a probe. */
    static byte[] managementRequest(long turn) {
        return turn == SCRAPE_TURN ? SCRAPE : PROBES.get((int) (turn % PROBES.size()));
    }

    /** The {@code n}th request to the public port. */
    byte[] publicRequest(long n) {
        List<byte[]> requests = isHead(n) ? headRequests : getRequests;
        return requests.get((int) (n % requests.size()));
    }

    /** Every 16th request is a HEAD, the other method the service answers. */
    static boolean isHead(long n) {
        return (n & 15) == 15;
    }

    private static List<byte[]> requests(String method) {
        List<String> paths = paths();
        List<byte[]> requests = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            String headers = PUBLIC_HEADERS.get(i % PUBLIC_HEADERS.size());
            String head = method + " " + paths.get(i) + " HTTP/1.1\r\n" + headers + "\r\n";
            requests.add(head.getBytes(StandardCharsets.ISO_8859_1));
        }
        return List.copyOf(requests);
    }

    /**
     * The benchmark's paths (N = 1, 11, 101, 1001: "/" + k x "helloworld") and varied ones, fixed by a seed:
     * every byte class the classifier sees (site-name bytes, near misses, digits, percent-escapes, a query).
     */
    static List<String> paths() {
        List<String> paths = new ArrayList<>();
        for (int n : new int[] {1, 11, 101, 1001}) {
            paths.add("/" + "helloworld".repeat((n - 1) / 10));
        }
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/%?=&"
                + "navytux.spb.ru www.nexedi.com lab.nexedi.com www.erp5.com".replace(" ", "");
        Random random = new Random(13);
        for (int i = 0; i < 28; i++) {
            int length = i < 20 ? 1 + random.nextInt(120) : 200 + random.nextInt(1800);
            StringBuilder path = new StringBuilder("/");
            for (int j = 1; j < length; j++) {
                char c = alphabet.charAt(random.nextInt(alphabet.length()));
                // A '%' always starts a well-formed escape and "//" never starts the path (it would read as an
                // authority), so every path is a valid origin-form request-target.
                path.append(c == '%' ? "%2F" : c == '/' && j == 1 ? 'w' : c);
            }
            paths.add(path.toString());
            if (i % 4 == 0) {
                paths.add("/" + "helloworld".repeat(1 + i));
            }
        }
        return List.copyOf(paths);
    }
}
