package io.github.vertxclassifier.warmup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.vertxclassifier.support.FreePorts;
import io.github.vertxclassifier.support.InProcessService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The warm-up against the real service over real sockets, and against servers that fail or are absent. */
class WarmUpTest {

    private static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Warms the public port {@code port}, and the management port {@code managementPort} unless it is 0. */
    private static WarmUp.Result run(int port, int managementPort, Duration budget, long maxRequests) throws Exception {
        return WarmUp.run(vertx, new WarmUp.Target("127.0.0.1", port, "127.0.0.1", managementPort), budget, maxRequests)
                .toCompletionStage()
                .toCompletableFuture()
                .get(budget.toSeconds() + 10, TimeUnit.SECONDS);
    }

    @Test
    void drivesTheRealRequestPathUntilCompiledOrTheBudgetEnds() throws Exception {
        try (InProcessService service = InProcessService.start()) {
            double before = classifiedRequests(service.managementPort());
            double managementBefore = managementRequests(service.managementPort());
            WarmUp.Result result = run(service.httpPort(), service.managementPort(), Duration.ofSeconds(20), 0);
            double managementAfter = managementRequests(service.managementPort());

            assertThat(result.failures()).isZero();
            assertThat(result.stopReason()).isIn(StopReason.COMPILED, StopReason.TIME_BUDGET);
            assertThat(result.requests())
                    .isGreaterThan(result.stopReason() == StopReason.COMPILED ? WarmUp.MIN_REQUESTS : 0);
            assertThat(result.elapsed()).isLessThan(Duration.ofSeconds(20 + 3));
            // Every answered request went through the server's classifier (HEADs too): it is the real path. This
            // service runs without the start-up gate, so its meters count the warm-up like any client.
            assertThat(classifiedRequests(service.managementPort()) - before).isEqualTo(result.requests());
            // The kubelet's probes and the Prometheus scrape went to the management port and were answered there (the
            // scrape that read managementBefore counts too).
            assertThat(result.managementRequests()).isPositive();
            assertThat(managementAfter - managementBefore).isEqualTo(result.managementRequests() + 1);
        }
    }

    @Test
    void stopsAtTheRequestBudget() throws Exception {
        try (InProcessService service = InProcessService.start()) {
            WarmUp.Result result = run(service.httpPort(), 0, Duration.ofSeconds(20), 500);
            assertThat(result.requests()).isEqualTo(500);
            assertThat(result.failures()).isZero();
            assertThat(result.stopReason()).isEqualTo(StopReason.REQUEST_BUDGET);
        }
    }

    @Test
    void aFailingServerEndsTheWarmUpEarlyWithoutFailingIt() throws Exception {
        AtomicInteger answered = new AtomicInteger();
        HttpServer failing = vertx.createHttpServer()
                .requestHandler(request -> {
                    answered.incrementAndGet();
                    request.response().setStatusCode(500).end();
                })
                .listen(0, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        try {
            WarmUp.Result result = run(failing.actualPort(), 0, Duration.ofSeconds(30), 0);
            assertThat(result.stoppedBecause()).startsWith("errors: HTTP/1.1 500");
            assertThat(result.failures()).isEqualTo(result.requests()).isPositive();
            assertThat(answered.get()).isEqualTo((int) result.requests());
            assertThat(result.elapsed()).isLessThan(Duration.ofSeconds(5));
        } finally {
            failing.close();
        }
    }

    @Test
    void nothingListeningCompletesQuickly() throws Exception {
        WarmUp.Result result = run(FreePorts.next(), 0, Duration.ofSeconds(30), 0);
        assertThat(result.stoppedBecause()).startsWith("errors: ");
        assertThat(result.elapsed()).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aDriverThatThrowsStillCompletesTheWarmUp() throws Exception {
        // Port 70000 makes the socket address throw, inside the driver's thread: readiness must still come.
        WarmUp.Result result = run(70_000, 0, Duration.ofSeconds(30), 0);
        assertThat(result.stoppedBecause()).startsWith("errors: java.lang.IllegalArgumentException");
        assertThat(result.requests()).isZero();
    }

    @Test
    void aZeroBudgetIsOff() throws Exception {
        assertThat(run(FreePorts.next(), 0, Duration.ZERO, 0).stopReason()).isEqualTo(StopReason.OFF);
    }

    @Test
    void readsTheCompilerThreadsCpuTimeFromProc() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux /proc");
        // This JVM has compiled plenty by now (JUnit, Vert.x): its C1 and C2 threads have run, in nanoseconds, and
        // for less time than the whole process has.
        long compilers = CompilerThreads.compilerThreadsNanos();
        long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        assertThat(compilers).isPositive().isLessThan(process);
    }

    @Test
    void readsTheContentLengthFromTheAnswersBytesInAnyCase() {
        assertThat(length("HTTP/1.1 200 OK\r\nContent-Length: 42\r\nContent-Type: text/plain"))
                .isEqualTo(42);
        assertThat(length("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nCONTENT-LENGTH:7"))
                .isEqualTo(7);
        assertThat(length("HTTP/1.1 200 OK\r\nContent-Length:\t0 ")).isZero();
        // Absent, empty, not a number, or beyond an int: the answer is reported as a failure.
        assertThat(length("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked")).isEqualTo(-1);
        assertThat(length("HTTP/1.1 200 OK\r\nContent-Length: \r\nX: 1")).isEqualTo(-1);
        assertThat(length("HTTP/1.1 200 OK\r\nContent-Length: 12a")).isEqualTo(-1);
        assertThat(length("HTTP/1.1 200 OK\r\nContent-Length: 99999999999")).isEqualTo(-1);
        // A header whose name only ends in content-length is another header.
        assertThat(length("HTTP/1.1 200 OK\r\nX-Content-Length: 5")).isEqualTo(-1);
    }

    private static int length(String head) {
        byte[] bytes = ("xx" + head + "\r\n\r\nbody").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return LoopbackConnection.contentLength(bytes, 2, 2 + head.length());
    }

    @Test
    void pathsCoverTheBenchmarkSizesAndAreValidTargets() {
        List<String> paths = RequestCatalogue.paths();
        assertThat(paths).contains("/", "/helloworld", "/" + "helloworld".repeat(10), "/" + "helloworld".repeat(100));
        assertThat(paths)
                .hasSizeGreaterThan(20)
                .allSatisfy(path -> assertThat(URI.create(path).getRawPath()).startsWith("/"));
    }

    @Test
    void loopbackForWildcardBinds() {
        assertThat(WarmUp.loopbackFor("0.0.0.0")).isEqualTo("127.0.0.1");
        assertThat(WarmUp.loopbackFor("::")).isEqualTo("::1");
        assertThat(WarmUp.loopbackFor("127.0.0.1")).isEqualTo("127.0.0.1");
    }

    @Test
    void theServiceWarmsUpBeforeReadyAndItsMetricsForgetTheWarmUp() throws Exception {
        try (InProcessService service = InProcessService.start(new JsonObject().put("WARMUP_SECONDS", 2))) {
            // start() returned: the service is ready, so the warm-up has run; none of it may show as traffic.
            assertThat(service.service().lifecycle().isServing()).isTrue();
            // Nor its probes and scrape of the management port (this first scrape does not count itself).
            assertThat(managementRequests(service.managementPort())).isZero();
            // The warm-up's meters are replaced by new ones at zero, registered before readiness: the series are there
            // (so Prometheus' increase() counts the first real request) and read 0.
            String scrape = scrape(service.managementPort());
            assertThat(classifiedRequests(service.managementPort())).isZero();
            assertThat(scrape)
                    .contains(
                            "vertx_http_server_requests_total{code=\"200\",method=\"GET\",server_name=\"public\"} 0.0")
                    .containsPattern(
                            "(?m)^vertx_http_server_response_time_seconds_count\\{code=\"200\",method=\"GET\",server_name=\"public\"} 0$")
                    .containsPattern("(?m)^classifier_path_bytes_count\\{[^}]*} 0$");

            HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/helloworld"))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            assertThat(classifiedRequests(service.managementPort())).isEqualTo(1.0);
            assertThat(scrape(service.managementPort()))
                    .contains(
                            "vertx_http_server_requests_total{code=\"200\",method=\"GET\",server_name=\"public\"} 1.0");
        }
    }

    private static String scrape(int managementPort) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static double classifiedRequests(int managementPort) throws Exception {
        return sum(scrape(managementPort), "classifier_requests_total", "");
    }

    /** Requests the management port answered, by its own meters. */
    private static double managementRequests(int managementPort) throws Exception {
        return sum(scrape(managementPort), "vertx_http_server_requests_total{", "server_name=\"management\"");
    }

    /** The sum of the samples whose line starts with {@code prefix} and contains {@code label}. */
    private static double sum(String scrape, String prefix, String label) {
        return scrape.lines()
                .filter(line -> line.startsWith(prefix) && line.contains(label))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
