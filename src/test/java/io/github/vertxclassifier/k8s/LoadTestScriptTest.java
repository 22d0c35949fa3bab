package io.github.vertxclassifier.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.github.vertxclassifier.support.FreePorts;
import io.github.vertxclassifier.support.RunningService;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * k8s/loadtest/loadtest.sh, the load-test image's entrypoint: the real script with the real wrk and curl over real
 * sockets, against the real service (steps, progress, summary, exit status), against servers that are the wrong
 * target (preflight: exit 2 with one line, before any load), plus its parameter checks and the Job it runs in.
 * Needs wrk and curl (Debian: apt-get install wrk curl).
 */
class LoadTestScriptTest {

    static final List<String> PARAMETERS = List.of(
            "TARGET_URL",
            "CONNECT_TO",
            "TLS_VERIFY",
            "N",
            "STEPS",
            "STEP_DURATION",
            "PROGRESS_EVERY",
            "THREADS",
            "WRK",
            "CURL",
            "CONNECT_LUA");
    static final String ROUTE_HOST = "vertx-classifier.example.com";
    static final String ANSWER = "navytux.spb.ru:\t5\ntotal:\t11\n";

    @RegisterExtension
    static final RunningService service = new RunningService();

    @TempDir
    Path dir;

    record Run(int exit, String output) {}

    @Test
    void rampsThroughEveryStepWithProgressAndASummary() throws Exception {
        assumeTools();
        // The route's host name in the URL, the service's address in CONNECT_TO: what a Gateway run looks like.
        Run run = run(Map.of(
                "TARGET_URL",
                "http://" + ROUTE_HOST,
                "CONNECT_TO",
                "127.0.0.1:" + service.httpPort(),
                "N",
                "101",
                "STEPS",
                "2 8",
                "STEP_DURATION",
                "2s",
                "PROGRESS_EVERY",
                "1s",
                "THREADS",
                "2"));

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output())
                .contains("load test: http://" + ROUTE_HOST + "/" + "helloworld".repeat(10) + " via 127.0.0.1:"
                        + service.httpPort() + " (N=101), preflight 200")
                .contains("--- step 1/2: 2 connections for 2s")
                .contains("--- step 2/2: 8 connections for 2s")
                .contains(
                        "connections   requests       req/s          p50          p99 non-2xx/3xx socket-errors  result")
                .endsWith("=== ok\n");
        assertThat(run.output().lines().filter(l -> l.startsWith("    step ")))
                .as("one progress line per 1s slice")
                .hasSize(4)
                .allMatch(l ->
                        l.matches(" +step [12]/2, [28] connections: +[12]s/2s +[1-9][0-9]* req/s  p50 [0-9.]+ms  p99 "
                                + "[0-9.]+ms  0 error answers, 0 socket errors"));
        List<String> rows = summaryRows(run.output());
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).matches(" +2 +[1-9][0-9]* +[1-9][0-9]* +[0-9.]+ms +[0-9.]+ms +0 +0  ok");
        assertThat(rows.get(1)).matches(" +8 +[1-9][0-9]* +[1-9][0-9]* +[0-9.]+ms +[0-9.]+ms +0 +0  ok");
    }

    /** A progress line arrives while the step still has slices to run: the script is alive and has more to do. */
    @Test
    void progressIsStreamedWhileAStepRuns() throws Exception {
        assumeTools();
        Process process = start(Map.of(
                "TARGET_URL",
                "http://127.0.0.1:" + service.httpPort(),
                "STEPS",
                "2",
                "STEP_DURATION",
                "3s",
                "PROGRESS_EVERY",
                "1s",
                "THREADS",
                "1"));
        try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> seen = new ArrayList<>();
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("    step ")) {
                seen.add(line);
            }
            assertThat(seen).last().asString().startsWith("--- step 1/1: 2 connections for 3s");
            assertThat(line).as("a progress line, after %s", seen).startsWith("    step 1/1, 2 connections:    1s/3s");
            assertThat(process.isAlive())
                    .as("two more 1s slices of the step to run")
                    .isTrue();
            out.transferTo(java.io.Writer.nullWriter());
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
    }

    /** The preflight passes, then every answer is a 503: the first slice fails, and no later step runs. */
    @Test
    void stopsAtTheFirstFailedStep() throws Exception {
        assumeTools();
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = server(exchange -> requests.getAndIncrement() == 0 ? 200 : 503, ANSWER);
        try {
            Run run = run(Map.of(
                    "TARGET_URL",
                    "http://127.0.0.1:" + server.getAddress().getPort(),
                    "STEPS",
                    "1 2 4",
                    "STEP_DURATION",
                    "1h",
                    "PROGRESS_EVERY",
                    "1s",
                    "THREADS",
                    "1"));

            assertThat(run.exit()).as(run.output()).isEqualTo(1);
            assertThat(run.output())
                    .contains("--- step 1/3")
                    .doesNotContain("--- step 2/3")
                    .contains("=== FAILED: step 1/3 (1 connections) after 1s: ")
                    .contains("the later steps were not run");
            assertThat(run.output().lines().filter(l -> l.startsWith("    step ")))
                    .hasSize(1);
            assertThat(summaryRows(run.output()))
                    .singleElement()
                    .asString()
                    .matches(" +1 +([1-9][0-9]*) .* \\1 +0  FAILED");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void preflightRefusedConnection() throws Exception {
        assumeTools();
        int closed = FreePorts.distinct(1)[0];
        assertPreflightFails(
                Map.of("TARGET_URL", "http://127.0.0.1:" + closed),
                "loadtest: preflight GET http://127.0.0.1:" + closed + "/helloworld via 127.0.0.1:" + closed
                        + ": connection refused");
    }

    @Test
    void preflightUnresolvableHost() throws Exception {
        assumeTools();
        // .invalid never resolves (RFC 6761 §6.4).
        assertPreflightFails(Map.of("TARGET_URL", "http://vertx-classifier.invalid"), "cannot resolve the host");
    }

    @Test
    void preflightSilentServerTimesOut() throws Exception {
        assumeTools();
        try (var silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertPreflightFails(
                    Map.of("TARGET_URL", "http://127.0.0.1:" + silent.getLocalPort()), "no answer within 5 s");
        }
    }

    @Test
    void preflight404() throws Exception {
        assumeTools();
        HttpServer server = server(exchange -> 404, "default backend - 404\n");
        try {
            assertPreflightFails(
                    Map.of(
                            "TARGET_URL",
                            "http://" + ROUTE_HOST,
                            "CONNECT_TO",
                            "127.0.0.1:" + server.getAddress().getPort()),
                    "answered 404, not 200: check that the route serves host '" + ROUTE_HOST + "'");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void preflight200FromAnotherService() throws Exception {
        assumeTools();
        HttpServer server = server(exchange -> 200, "Welcome to nginx!\n");
        try {
            assertPreflightFails(
                    Map.of(
                            "TARGET_URL",
                            "http://127.0.0.1:" + server.getAddress().getPort()),
                    "answered 200 but not the classifier's answer");
        } finally {
            server.stop(0);
        }
    }

    /**
     * The real service's management port instead of its public port (9090 for 8080): its Router's 404. The real
     * service answers any valid Host; a wrong Host's 404 comes from a proxy (the e2e checks it through nginx).
     */
    @Test
    void preflightTheServicesManagementPort() throws Exception {
        assumeTools();
        assertPreflightFails(
                Map.of("TARGET_URL", "http://" + ROUTE_HOST, "CONNECT_TO", "127.0.0.1:" + service.managementPort()),
                "answered 404, not 200");
    }

    @Test
    void preflightHttpsToAPlainPort() throws Exception {
        assumeTools();
        assertPreflightFails(
                Map.of("TARGET_URL", "https://127.0.0.1:" + service.httpPort()),
                "TLS handshake failed for server name '127.0.0.1'");
    }

    /**
     * A TLS listener that serves only the route's host name (SNI) with a self-signed certificate, like a Gateway's
     * HTTPS listener: connected to by its address, loaded by the route's name (SNI and Host from TARGET_URL).
     */
    @Test
    void tlsByTheRoutesNameThroughTheListenersAddress() throws Exception {
        assumeTools();
        HttpsServer server = tlsServer();
        try {
            String address = "127.0.0.1:" + server.getAddress().getPort();
            Map<String, String> byName = Map.of(
                    "TARGET_URL",
                    "https://" + ROUTE_HOST,
                    "CONNECT_TO",
                    address,
                    "STEPS",
                    "1",
                    "STEP_DURATION",
                    "1s",
                    "THREADS",
                    "1");

            assertPreflightFails(byName, "TLS certificate not trusted for '" + ROUTE_HOST + "'");
            Map<String, String> otherName = new HashMap<>(byName);
            otherName.put("TARGET_URL", "https://other.example.com");
            otherName.put("TLS_VERIFY", "false");
            assertPreflightFails(otherName, "TLS handshake failed for server name 'other.example.com'");

            Map<String, String> insecure = new HashMap<>(byName);
            insecure.put("TLS_VERIFY", "false");
            Run run = run(insecure);
            assertThat(run.exit()).as(run.output()).isZero();
            assertThat(summaryRows(run.output())).singleElement().asString().matches(" +1 +[1-9][0-9]* .* +0 +0  ok");
        } finally {
            server.stop(0);
        }
    }

    /** wrk's arguments for each slice (a stub records them): path of N bytes, connect-to script, threads, connections. */
    @ParameterizedTest
    @CsvSource({"1, /", "11, /helloworld", "21, /helloworldhelloworld", "1001, ''"})
    void pathOfNBytesAndConnectTo(int n, String expected) throws Exception {
        assumeTools();
        Path stub = dir.resolve("wrk");
        Files.writeString(
                stub,
                "#!/bin/sh\nprintf '%s %s\\n' \"$CONNECT_HOST:$CONNECT_PORT\" \"$*\" >> '" + dir.resolve("calls")
                        + "'\necho '  1 requests in 1.00s, 1KB read'\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwx------"));
        Run run = run(Map.of(
                "TARGET_URL",
                "http://gateway.example/",
                "CONNECT_TO",
                "127.0.0.1:" + service.httpPort(),
                "N",
                String.valueOf(n),
                "STEPS",
                "4 16",
                "STEP_DURATION",
                "25s",
                "THREADS",
                "4",
                "WRK",
                stub.toString()));

        assertThat(run.exit()).as(run.output()).isZero();
        String path = expected.isEmpty() ? "/" + "helloworld".repeat(100) : expected;
        assertThat(path).hasSize(n);
        String lua = Manifests.file("k8s/loadtest/connect-to.lua").toString();
        String wrk = "127.0.0.1:" + service.httpPort() + " -t4 -c%d -d%ds --latency -s " + lua
                + " http://gateway.example" + path;
        assertThat(Files.readAllLines(dir.resolve("calls")))
                .containsExactly(
                        wrk.formatted(4, 10),
                        wrk.formatted(4, 10),
                        wrk.formatted(4, 5),
                        wrk.formatted(16, 10),
                        wrk.formatted(16, 10),
                        wrk.formatted(16, 5));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "STEP_DURATION  | 60sec | STEP_DURATION must be a whole number",
                "STEP_DURATION  | 1m30s | STEP_DURATION must be a whole number",
                "STEP_DURATION  | 0s    | STEP_DURATION must be a whole number",
                "STEP_DURATION  | 2.5m  | STEP_DURATION must be a whole number",
                "PROGRESS_EVERY | 0     | PROGRESS_EVERY must be a whole number",
                "N              | 12    | N must be 1 + 10k",
                "N              | abc   | N must be a whole number",
                "N              | 0     | N must be a whole number",
                "THREADS        | 1.5   | THREADS must be a whole number",
                "THREADS        | 0     | THREADS must be a whole number",
                "STEPS          | 8 x   | STEPS must be whole numbers",
                "STEPS          | 2 8   | every step needs at least THREADS=4",
                "STEPS          | ' '   | STEPS is empty",
                "TARGET_URL     | ''    | TARGET_URL is not set",
                "TARGET_URL     | vertx-classifier:8080 | TARGET_URL must start with http://",
                "TARGET_URL     | http://gw/helloworld  | TARGET_URL is a base URL without a path",
                "TARGET_URL     | http://[::1]:8080     | no IPv6 literal",
                "TARGET_URL     | http://gw:http        | TARGET_URL's port must be a number",
                "CONNECT_TO     | gateway               | CONNECT_TO must be host:port",
                "CONNECT_TO     | gateway:https         | CONNECT_TO must be host:port",
                "TLS_VERIFY     | yes                   | TLS_VERIFY must be true or false",
                "WRK            | /nonexistent/wrk      | wrk not found",
                "CURL           | /nonexistent/curl     | curl not found"
            })
    void badParametersStopWithAClearMessage(String name, String value, String message) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("TARGET_URL", "http://gw", "STEPS", "8 32", "THREADS", "4"));
        env.put(name, value);
        Run run = run(env);

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.output())
                .startsWith("loadtest: ")
                .contains(message)
                .contains(value.trim())
                .hasLineCount(1);
    }

    /**
     * Re-runnable without deleting anything by hand: `kubectl replace --force -k k8s/loadtest` (documented in the
     * kustomization) replaces the Job by its fixed name (no generateName, which `replace` cannot address), and the
     * Job's deadline leaves room for the default ramp.
     */
    @Test
    void jobIsReplacedByNameAndItsDeadlineFitsTheDefaultRamp() {
        List<HasMetadata> objects = Manifests.render(KustomizeRenderTest.kubectl(), "k8s/loadtest");
        Job job = Manifests.one(objects, Job.class);
        Map<String, String> parameters = Manifests.one(objects, io.fabric8.kubernetes.api.model.ConfigMap.class)
                .getData();

        assertThat(job.getMetadata().getName()).isEqualTo("vertx-classifier-loadtest");
        assertThat(job.getMetadata().getGenerateName()).isNull();
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isPositive();
        assertThat(Manifests.read("k8s/loadtest/kustomization.yaml"))
                .contains("kubectl replace --force -k k8s/loadtest && kubectl -n "
                        + job.getMetadata().getNamespace() + " logs -f job/"
                        + job.getMetadata().getName());
        int steps = parameters.get("STEPS").trim().split(" +").length;
        int stepSeconds = Integer.parseInt(parameters.get("STEP_DURATION").replace("s", ""));
        assertThat(stepSeconds)
                .as("two rate windows at a 15 s scrape ($__rate_interval = 4 x 15 s)")
                .isGreaterThanOrEqualTo(120);
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isGreaterThan(steps * stepSeconds + 60L);
        assertThat(parameters.get("TARGET_URL"))
                .as("the Gateway by the route's host name, not the Service")
                .startsWith("https://")
                .doesNotContain(".svc");
    }

    private void assertPreflightFails(Map<String, String> target, String message) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("STEPS", "1", "STEP_DURATION", "1h", "THREADS", "1"));
        env.putAll(target);
        Run run = run(env); // a one-hour step: only the preflight can end this run within the test's bound

        assertThat(run.exit()).as(run.output()).isEqualTo(2);
        assertThat(run.output())
                .hasLineCount(1)
                .startsWith("loadtest: preflight GET ")
                .contains(message);
    }

    /** The JDK's HTTP server on a free loopback port: each answer's status from {@code status}, the same body. */
    private static HttpServer server(
            java.util.function.ToIntFunction<com.sun.net.httpserver.HttpExchange> status, String body)
            throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(status.applyAsInt(exchange), bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server;
    }

    /** An HTTPS server with a self-signed certificate for ROUTE_HOST, refusing any other TLS server name. */
    private HttpsServer tlsServer() throws Exception {
        Path keystore = dir.resolve("listener.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "listener",
                        "-keyalg",
                        "EC",
                        "-dname",
                        "CN=" + ROUTE_HOST,
                        "-ext",
                        "san=dns:" + ROUTE_HOST,
                        "-validity",
                        "2",
                        "-keystore",
                        keystore.toString(),
                        "-storetype",
                        "PKCS12",
                        "-storepass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        String log = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(log).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters ssl = tls.getDefaultSSLParameters();
                ssl.setSNIMatchers(List.<SNIMatcher>of(SNIHostName.createSNIMatcher(ROUTE_HOST.replace(".", "\\."))));
                params.setSSLParameters(ssl);
            }
        });
        byte[] bytes = ANSWER.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static void assumeTools() throws Exception {
        Process which = new ProcessBuilder("sh", "-c", "command -v wrk && command -v curl").start();
        assumeTrue(which.waitFor() == 0, "wrk or curl is not installed (apt-get install wrk curl): skipping the runs");
    }

    private static List<String> summaryRows(String output) {
        String summary = output.substring(output.indexOf("=== summary"));
        return summary.lines().skip(2).filter(l -> !l.startsWith("===")).toList();
    }

    private Process start(Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                        "sh", Manifests.file("k8s/loadtest/loadtest.sh").toString())
                .redirectErrorStream(true);
        builder.environment().keySet().removeIf(PARAMETERS::contains);
        builder.environment().putAll(env);
        return builder.start();
    }

    /** Runs the script to its end (bounded: a run that should have stopped is killed and fails the test). */
    private Run run(Map<String, String> env) throws Exception {
        Path output = Files.createTempFile(dir, "loadtest", ".out");
        ProcessBuilder builder = new ProcessBuilder(
                        "sh", Manifests.file("k8s/loadtest/loadtest.sh").toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().keySet().removeIf(PARAMETERS::contains);
        builder.environment().putAll(env);
        Process process = builder.start();
        boolean ended = process.waitFor(90, TimeUnit.SECONDS);
        if (!ended) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String text = Files.readString(output);
        assertThat(ended).as("the run ended; output so far: %s", text).isTrue();
        return new Run(process.exitValue(), text);
    }
}
