package io.github.vertxclassifier.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.vertxclassifier.support.FreePorts;
import io.github.vertxclassifier.support.JarProcess;
import io.github.vertxclassifier.support.RawHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The benchmark compares like with like: the Go peer (bench/go), the Python uvloop peer (bench/python) and the
 * packaged service (scan, and the table variant bench/run also measures) must give byte-identical bodies for the
 * same request-target, equal to an independent
 * re-statement of the seed's algorithm (unsigned bytes, raw path up to '?', not percent-decoded).
 *
 * <p>Needs Debian's golang-go and python3-uvloop + python3-httptools (for /usr/bin/python3): the test fails,
 * never skips, when they are missing, because CI installs them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeerAgreementIT {

    private static final String PYTHON = "/usr/bin/python3";
    private static final String HELLOWORLD_BODY =
            "navytux.spb.ru:\t5\nwww.nexedi.com:\t10\nlab.nexedi.com:\t10\nwww.erp5.com:\t10\ntotal:\t11\n";
    private static final String[] SITES = {"navytux.spb.ru", "www.nexedi.com", "lab.nexedi.com", "www.erp5.com"};

    private final Path root = Path.of(System.getProperty("project.root", ".")).toAbsolutePath();
    private final List<Process> peers = new ArrayList<>();
    private JarProcess service;
    private JarProcess tableService;
    private final Map<String, Integer> ports = new LinkedHashMap<>();

    @BeforeAll
    void startAll() throws Exception {
        Path work = root.resolve("target/peer-agreement-it");
        Files.createDirectories(work);
        String go = findGo();
        requirePythonModules();

        // Go peer: module without dependencies, built offline; caches under target/ so nothing lands in the repo.
        Path goServer = work.resolve("go-server");
        ProcessBuilder build = new ProcessBuilder(go, "build", "-o", goServer.toString(), ".")
                .directory(root.resolve("bench/go").toFile())
                .redirectErrorStream(true);
        build.environment().put("GOCACHE", work.resolve("gocache").toString());
        build.environment().put("GOPATH", work.resolve("gopath").toString());
        build.environment().put("GOPROXY", "off");
        build.environment().put("GOFLAGS", "");
        build.environment().put("GO111MODULE", "on");
        Process building = build.start();
        String buildOutput = new String(building.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(building.waitFor(120, TimeUnit.SECONDS))
                .as("go build finished")
                .isTrue();
        assertThat(building.exitValue())
                .as("go build of bench/go failed:\n%s", buildOutput)
                .isZero();

        int goPort = FreePorts.next();
        ProcessBuilder goRun = new ProcessBuilder(
                        goServer.toString(), "-addr", "127.0.0.1", "-port", Integer.toString(goPort))
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("go-server.log").toFile());
        goRun.environment().put("GOMAXPROCS", "1");
        peers.add(goRun.start());
        ports.put("go", goPort);

        int pythonPort = FreePorts.next();
        peers.add(new ProcessBuilder(
                        PYTHON,
                        root.resolve("bench/python/server.py").toString(),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        Integer.toString(pythonPort))
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("python-server.log").toFile())
                .start());
        ports.put("python", pythonPort);

        service = JarProcess.start(Map.of("INSTANCES", "1", "CLASSIFIER_ALGORITHM", "scan"));
        ports.put("vertx", service.httpPort);
        // bench/run also measures the table variant: it must answer the same.
        tableService = JarProcess.start(Map.of("INSTANCES", "1", "CLASSIFIER_ALGORITHM", "table"));
        ports.put("vertx-table", tableService.httpPort);

        for (Process peer : peers) {
            awaitListening(peer, ports.get(peer == peers.get(0) ? "go" : "python"), work);
        }
    }

    @AfterAll
    void stopAll() throws Exception {
        for (Process peer : peers) {
            peer.destroyForcibly();
            peer.waitFor(10, TimeUnit.SECONDS);
        }
        if (service != null) {
            service.close();
        }
        if (tableService != null) {
            tableService.close();
        }
    }

    @Test
    void helloworldIsTheSeedsAnswerEverywhere() {
        assertThat(HELLOWORLD_BODY).hasSize(83);
        assertThat(expectedBody("/helloworld")).isEqualTo(HELLOWORLD_BODY); // the reference below is right
        for (Map.Entry<String, Integer> server : ports.entrySet()) {
            Answer answer = get(server.getValue(), "/helloworld");
            assertThat(answer.status).as("%s status", server.getKey()).isEqualTo(200);
            assertThat(answer.contentType)
                    .as("%s Content-Type", server.getKey())
                    .isEqualTo("text/plain");
            assertThat(answer.body).as("%s body", server.getKey()).isEqualTo(HELLOWORLD_BODY);
            assertThat(answer.contentLength)
                    .as("%s Content-Length", server.getKey())
                    .isEqualTo("83");
        }
    }

    @Test
    void allServersGiveByteIdenticalBodiesForTrickyTargets() {
        List<String> mismatches = new ArrayList<>();
        List<String> targets = trickyTargets();
        assertThat(targets).hasSizeGreaterThan(100);
        for (String target : targets) {
            String expectedPath = rawPath(target);
            String expected = expectedBody(expectedPath);
            Map<String, Answer> answers = new LinkedHashMap<>();
            ports.forEach((name, port) -> answers.put(name, get(port, target)));
            answers.forEach((name, answer) -> {
                if (answer.status != 200
                        || !expected.equals(answer.body)
                        || !"text/plain".equals(answer.contentType)
                        || !Integer.toString(answer.body.length()).equals(answer.contentLength)) {
                    mismatches.add(name + " for " + printable(target) + ": status " + answer.status + ", Content-Type "
                            + answer.contentType + ", Content-Length " + answer.contentLength + ", body "
                            + printable(answer.body) + " (expected " + printable(expected) + ")");
                }
            });
        }
        assertThat(mismatches).as("answers differing from the reference").isEmpty();
    }

    /** Request-targets as ISO-8859-1 strings (char == wire byte). */
    static List<String> trickyTargets() {
        List<String> targets = new ArrayList<>();
        for (int n : new int[] {1, 11, 101, 1001}) {
            String path = "/" + "helloworld".repeat((n - 1) / 10);
            assertThat(path).hasSize(n);
            targets.add(path);
            targets.add(path + "?x=1&y=%zz");
            targets.add("http://localhost" + path + "?q=helloworld");
        }
        targets.addAll(List.of(
                // percent signs stay undecoded: "/a%20b" is 6 bytes (Go's net/http answers 400 itself to malformed
                // escapes such as "/%zz" before any handler runs, so only well-formed ones are compared)
                "/a%20b",
                "/%25",
                "/100%25/%7e%7E/%41%42",
                "/%2F%3F?%3F",
                "/%C3%A9t%C3%A9",
                // query strings: the path ends at the first '?'
                "/?",
                "/??",
                "/p?a?b",
                "/helloworld?",
                "/helloworld?helloworld",
                "/a/b/c/?/d",
                // absolute-form: the path is after the authority; "/" when the target has none
                "http://localhost/p?q",
                "http://localhost",
                "http://localhost?x=/y",
                "http://localhost:8080/a%20b",
                "HTTP://LOCALHOST/Hello",
                "http://localhost//x/",
                "https://lab.nexedi.com/x.y",
                // other bytes that proxies and parsers like to touch
                "/a#b",
                "/a#b?c",
                "/./../x",
                "//",
                "/a;b=c",
                "/~user/",
                "/+%2B+",
                "/\\",
                "/%2525"));
        // Every printable ASCII byte, one per path, and all together ('%' only as a well-formed escape).
        StringBuilder all = new StringBuilder("/");
        for (char ch = 0x21; ch < 0x7F; ch++) {
            if (ch == '%' || ch == '?') {
                continue;
            }
            targets.add("/" + ch);
            targets.add("/x" + ch + "y");
            all.append(ch);
        }
        targets.add(all + "%25" + "?" + all);
        // Bytes 0x80..0xFF sent raw (not UTF-8-encoded): the scan reads them as unsigned 128..255.
        StringBuilder high = new StringBuilder("/");
        for (int b = 0x80; b <= 0xFF; b++) {
            high.append((char) b);
            if (b % 16 == 0 || b == 0xEE || b == 0xEF || b == 0xFF) {
                targets.add("/" + (char) b); // 0xEE is "close" to 'n' under the Go int8 quirk; it must not be here
            }
        }
        targets.add(high.toString());
        targets.add("/\u00c3\u00a9t\u00c3\u00a9?\u00ff");
        return targets;
    }

    // ---- the reference: the seed's algorithm, restated independently of the service's code

    /** The request-target's path as sent: absolute-form "scheme://authority/p?q" gives "/p"; ends at '?'. */
    static String rawPath(String target) {
        String path = target;
        if (!path.startsWith("/")) {
            int authority = path.indexOf("://") + 3;
            int slash = path.indexOf('/', authority);
            int query = path.indexOf('?', authority);
            if (slash < 0 || query >= 0 && query < slash) {
                return "/"; // an absolute-form target without a path has the path "/" (RFC 9110 §4.2.3)
            }
            int start = slash;
            path = path.substring(start);
        }
        int query = path.indexOf('?');
        return query < 0 ? path : path.substring(0, query);
    }

    static String expectedBody(String path) {
        int[] counts = new int[SITES.length];
        for (int i = 0; i < path.length(); i++) {
            int ch = path.charAt(i) & 0xFF;
            for (int site = 0; site < SITES.length; site++) {
                for (int j = 0; j < SITES[site].length(); j++) {
                    if (Math.abs(ch - SITES[site].charAt(j)) <= 1) {
                        counts[site]++;
                        break;
                    }
                }
            }
        }
        StringBuilder body = new StringBuilder();
        for (int site = 0; site < SITES.length; site++) {
            body.append(SITES[site]).append(":\t").append(counts[site]).append('\n');
        }
        return body.append("total:\t").append(path.length()).append('\n').toString();
    }

    // ---- raw HTTP over sockets, so that every server gets exactly the same bytes

    record Answer(int status, String contentType, String contentLength, String body) {}

    private static Answer get(int port, String target) {
        byte[] request = ("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        RawHttp.Exchange exchange = RawHttp.exchange(port, request, Duration.ofSeconds(10));
        String text = exchange.text();
        int headEnd = text.indexOf("\r\n\r\n");
        String head = headEnd < 0 ? text : text.substring(0, headEnd);
        return new Answer(
                exchange.status(), header(head, "Content-Type"), header(head, "Content-Length"), exchange.body());
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '\n') {
                out.append("\\n");
            } else if (ch == '\t') {
                out.append("\\t");
            } else if (ch < 0x20 || ch >= 0x7F) {
                out.append(String.format("\\x%02X", (int) ch));
            } else {
                out.append(ch);
            }
        }
        return out.append('"').toString();
    }

    // ---- tools

    private static String findGo() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path go = Path.of(dir.isEmpty() ? "." : dir, "go");
            if (Files.isExecutable(go)) {
                return go.toString();
            }
        }
        if (Files.isExecutable(Path.of("/usr/bin/go"))) {
            return "/usr/bin/go";
        }
        return fail("the Go peer needs the Go toolchain: 'go' is not on PATH (Debian: apt-get install golang-go)");
    }

    private static void requirePythonModules() throws Exception {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            fail(PYTHON + " is missing (Debian: apt-get install python3 python3-uvloop python3-httptools)");
        }
        Process check = new ProcessBuilder(PYTHON, "-c", "import uvloop, httptools")
                .redirectErrorStream(true)
                .start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!check.waitFor(30, TimeUnit.SECONDS) || check.exitValue() != 0) {
            fail(PYTHON + " cannot import uvloop and httptools (Debian: apt-get install python3-uvloop "
                    + "python3-httptools):\n" + output);
        }
    }

    private static void awaitListening(Process process, int port, Path logs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("peer on port " + port + " exited with " + process.exitValue() + "; logs in " + logs);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        fail("peer on port " + port + " is not listening after 30 s; logs in " + logs);
    }
}
