package io.github.vertxclassifier.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.vertxclassifier.config.ServiceConfig;
import io.github.vertxclassifier.support.FreePorts;
import io.github.vertxclassifier.support.InProcessService;
import io.github.vertxclassifier.support.RawHttp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The alert rules on a real Prometheus (Debian package "prometheus") scraping the real service, started
 * in-process with 2 event loops, under traffic: every rule loads and evaluates, each expression without its
 * threshold has data, nothing fires on a healthy service; promtool checks the rule file, runs its unit tests
 * (grafana/alert-rules.test.yaml) and lints the service's metric families. The dashboard's queries are evaluated
 * once, by k8s/e2e/dashboard.py (per pod, with a decoy JVM), not here.
 */
class PrometheusQueriesIT {

    static final String PROMETHEUS = "/usr/bin/prometheus";
    static final String PROMTOOL = "/usr/bin/promtool";
    static final String NAMESPACE = "obs-it";
    static final String POD = "vertx-classifier-it-0";
    static final String JOB = "vertx-classifier";
    private static final Pattern THRESHOLD = Pattern.compile("(==|!=|>=|<=|>|<)\\s*(bool\\s+)?-?[0-9][0-9.eE+-]*");

    private static InProcessService service;
    private static Process prometheus;
    private static Path workDir;
    private static int prometheusPort;
    private static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final AtomicBoolean driving = new AtomicBoolean(true);
    private static final AtomicLong sent = new AtomicLong();
    private static ExecutorService traffic;

    static Path root() {
        return Path.of(System.getProperty("project.root", "."));
    }

    @BeforeAll
    static void startServiceAndPrometheus() throws Exception {
        for (String binary : List.of(PROMETHEUS, PROMTOOL)) {
            if (!Files.isExecutable(Path.of(binary))) {
                fail(binary + " is missing: install the Debian package 'prometheus' (apt-get install prometheus)");
            }
        }
        int[] ports = FreePorts.distinct(2); // the in-process service, 2 event loops
        service = InProcessService.start(
                new JsonObject().put(ServiceConfig.HTTP_PORT, ports[0]).put(ServiceConfig.MANAGEMENT_PORT, ports[1]));
        System.gc(); // the GC pause timer gets its series (the GC pressure alert needs one)
        workDir = Files.createTempDirectory("prometheus-it");
        prometheusPort = FreePorts.next();
        Path rules = root().resolve("grafana/alert-rules.yaml").toAbsolutePath();
        Files.writeString(
                workDir.resolve("prometheus.yml"), """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        rule_files:
          - %s
        scrape_configs:
          - job_name: vertx-classifier
            metrics_path: /metrics
            static_configs:
              - targets: ['127.0.0.1:%d']
                labels:
                  namespace: %s
                  pod: %s
        """.formatted(rules, service.managementPort(), NAMESPACE, POD));
        prometheus = new ProcessBuilder(
                        PROMETHEUS,
                        "--config.file=" + workDir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + workDir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + prometheusPort,
                        "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("prometheus.log").toFile())
                .start();
        awaitPrometheusReady();

        traffic = Executors.newFixedThreadPool(4);
        for (int worker = 0; worker < 4; worker++) {
            int w = worker;
            traffic.submit(() -> drive(w, service));
        }
        // Enough scrapes for every rate over [10s] and the alert windows: 20 s of samples under traffic.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            JsonArray samples = query("count_over_time(classifier_requests_total[1m])");
            if (samples.size() >= 2
                    && samples.stream()
                            .map(JsonObject.class::cast)
                            .allMatch(s ->
                                    Double.parseDouble(s.getJsonArray("value").getString(1)) >= 20)) {
                return;
            }
            Thread.sleep(1000);
        }
        fail("Prometheus did not collect 20 samples in 60 s; log:\n"
                + Files.readString(workDir.resolve("prometheus.log")));
    }

    /** New connections all the time (each lands on the next event loop), several N, some 405 and 400. */
    private static void drive(int worker, InProcessService server) {
        List<byte[]> requests = new ArrayList<>();
        for (String target :
                List.of("/", "/helloworld", "/" + "helloworld".repeat(10), "/" + "helloworld".repeat(100))) {
            requests.add(RawHttp.get(target));
        }
        requests.add(RawHttp.request("HEAD", "/helloworld"));
        requests.add(RawHttp.request("POST", "/helloworld")); // 405
        requests.add(RawHttp.get("nopath")); // 400
        int i = worker;
        while (driving.get()) {
            byte[] request = requests.get(i++ % requests.size());
            try {
                RawHttp.exchange(server.httpPort(), request, Duration.ofMillis(50));
                sent.incrementAndGet();
                Thread.sleep(5);
            } catch (Exception e) {
                if (driving.get()) {
                    System.err.println("traffic: " + e);
                }
            }
        }
    }

    @AfterAll
    static void stopEverything() throws Exception {
        driving.set(false);
        if (traffic != null) {
            traffic.shutdown();
            traffic.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(15, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (service != null) {
            service.close();
        }
        if (workDir != null) {
            try (Stream<Path> files = Files.walk(workDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void bothEventLoopsServedRequests() throws Exception {
        JsonArray perLoop = query("sum by (event_loop) (increase(classifier_requests_total{namespace=\"" + NAMESPACE
                + "\", pod=\"" + POD + "\"}[1m]))");
        assertThat(perLoop).as("one series per event loop").hasSize(2);
        for (Object sample : perLoop) {
            assertThat(value((JsonObject) sample)).as("requests of %s", sample).isGreaterThan(0);
        }
        assertThat(sent.get()).isPositive();
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertExpressionParsesAndItsInnerExpressionHasData() throws Exception {
        List<Map<String, Object>> rules = alertRules();
        assertThat(rules).hasSizeGreaterThanOrEqualTo(6);
        Map<String, String> problems = new LinkedHashMap<>();
        for (Map<String, Object> rule : rules) {
            String name = (String) rule.get("alert");
            String expr = (String) rule.get("expr");
            assertThat(rule).as(name).containsKeys("for", "labels", "annotations");
            assertThat(((Map<?, ?>) rule.get("labels")).get("severity"))
                    .as(name + " severity")
                    .isNotNull();
            assertThat((Map<String, Object>) rule.get("annotations"))
                    .as(name)
                    .containsKeys("summary", "description", "runbook_url");
            assertThat(expr).as(name + " selects the job").contains("job=\"" + JOB + "\"");
            JsonObject parsed = rawQuery(expr); // the alert as written: must parse (result may well be empty)
            if (!"success".equals(parsed.getString("status"))) {
                problems.put(name, "does not evaluate: " + parsed.encode());
                continue;
            }
            if (expr.startsWith("absent(")) {
                // Quiet while the target is scraped; 1 once the job is gone (the job renamed to one that has no
                // target).
                if (!query(expr).isEmpty()) {
                    problems.put(name, "fires although " + JOB + " is scraped");
                }
                JsonArray gone = query(expr.replace("job=\"" + JOB + "\"", "job=\"no-such-job\""));
                if (gone.size() != 1 || value(gone.getJsonObject(0)) != 1) {
                    problems.put(name, "does not fire for a job without target: " + gone.encode());
                }
                continue;
            }
            String inner = withoutThresholds(expr);
            assertThat(inner).as(name + " has a threshold to neutralise").isNotEqualTo(expr);
            String problem = checkHasData(inner);
            if (problem != null) {
                problems.put(name, problem + " for " + inner);
            }
        }
        assertThat(problems).as("alert expressions").isEmpty();
    }

    @Test
    void prometheusLoadedEveryRuleAndNothingFires() throws Exception {
        List<JsonObject> loaded = loadedRules();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (loaded.isEmpty()
                || loaded.stream()
                        .anyMatch(rule -> rule.getString("lastEvaluation", "").startsWith("0001-"))) {
            assertThat(System.nanoTime())
                    .as("every rule evaluated within 60 s: " + loaded)
                    .isLessThan(deadline);
            Thread.sleep(200); // polling Prometheus' API: the next rule evaluation is the awaited event
            loaded = loadedRules();
        }
        assertThat(loaded).hasSize(alertRules().size());
        assertThat(loaded)
                .allSatisfy(rule -> assertThat(rule.getString("health"))
                        .as(rule.getString("name"))
                        .isEqualTo("ok"));
        JsonArray alerts = get("/api/v1/alerts").getJsonObject("data").getJsonArray("alerts");
        assertThat(alerts.stream()
                        .map(a -> ((JsonObject) a).getJsonObject("labels").getString("alertname")))
                .as("alerts pending or firing on a healthy service")
                .doesNotContain(
                        "VertxClassifierTargetMissing",
                        "VertxClassifierHigh5xxRatio",
                        "VertxClassifierPodWithoutTraffic");
    }

    @Test
    void promtoolAcceptsTheRuleFile() throws Exception {
        Result result = run(
                List.of(
                        PROMTOOL,
                        "check",
                        "rules",
                        root().resolve("grafana/alert-rules.yaml").toString()),
                null);
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
    }

    /** grafana/alert-rules.test.yaml: a quiet pod's 503s stay silent (traffic floor), sustained 5xx page, etc. */
    @Test
    void promtoolUnitTestsOfTheRulesPass() throws Exception {
        Result result = run(
                List.of(
                        PROMTOOL,
                        "test",
                        "rules",
                        root().resolve("grafana/alert-rules.test.yaml").toString()),
                null);
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
    }

    @Test
    void promtoolFindsNothingWrongWithTheProjectsMetricFamilies() throws Exception {
        HttpResponse<String> scrape = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.managementPort() + "/metrics"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.body())
                .contains(
                        "classifier_requests_total",
                        "classifier_path_bytes_bucket",
                        "vertx_http_server_requests_total",
                        "vertx_http_server_response_time_seconds_bucket");
        Result result = run(List.of(PROMTOOL, "check", "metrics"), scrape.body());
        System.out.println("promtool check metrics (exit " + result.exit() + "):\n" + result.output());
        assertThat(result.output()).as("promtool must have parsed the scrape").doesNotContain("error while linting");
        // The service defines classifier_* and records vertx_http_server_* itself (metrics/HttpRequestMetrics).
        assertThat(result.output().lines().filter(line -> line.contains("classifier_") || line.contains("vertx_")))
                .as("promtool findings about the families this project records")
                .isEmpty();
    }

    // --- helpers

    /** The expression with every comparison against a number made always-true (the threshold removed). */
    static String withoutThresholds(String expr) {
        return THRESHOLD.matcher(expr).replaceAll("> -Inf");
    }

    /**
     * Null when {@code expr} evaluates to at least one non-NaN sample. A query on 5xx answers may be empty only
     * when Prometheus holds no 5xx series at all; it must then have data with 4xx in their place.
     */
    private static String checkHasData(String expr) throws Exception {
        JsonObject response = rawQuery(expr);
        if (!"success".equals(response.getString("status"))) {
            return "error: " + response.getString("errorType") + ": " + response.getString("error");
        }
        JsonArray result = response.getJsonObject("data").getJsonArray("result");
        if (result.isEmpty() && expr.contains("code=~\"5..\"")) {
            JsonArray fiveXx = query("vertx_http_server_requests_total{code=~\"5..\"}");
            if (!fiveXx.isEmpty()) {
                return "empty although 5xx series exist: " + fiveXx.encode();
            }
            return checkHasData(expr.replace("code=~\"5..\"", "code=~\"4..\""));
        }
        if (result.isEmpty()) {
            return "empty result";
        }
        boolean someNumber = result.stream().map(JsonObject.class::cast).anyMatch(s -> !Double.isNaN(value(s)));
        return someNumber ? null : "only NaN: " + result.encode();
    }

    private static double value(JsonObject sample) {
        return Double.parseDouble(sample.getJsonArray("value").getString(1));
    }

    static JsonArray query(String expr) throws Exception {
        JsonObject response = rawQuery(expr);
        assertThat(response.getString("status"))
                .as(expr + ": " + response.encode())
                .isEqualTo("success");
        return response.getJsonObject("data").getJsonArray("result");
    }

    static JsonObject rawQuery(String expr) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + "/api/v1/query"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10))
                .build();
        return new JsonObject(
                http.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    private static List<JsonObject> loadedRules() throws Exception {
        List<JsonObject> loaded = new ArrayList<>();
        for (Object group : get("/api/v1/rules").getJsonObject("data").getJsonArray("groups")) {
            for (Object rule : ((JsonObject) group).getJsonArray("rules")) {
                loaded.add((JsonObject) rule);
            }
        }
        return loaded;
    }

    private static JsonObject get(String path) throws Exception {
        return new JsonObject(http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> alertRules() throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(root().resolve("grafana/alert-rules.yaml")));
        List<Map<String, Object>> all = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            all.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        return all;
    }

    private static void awaitPrometheusReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                fail("prometheus exited with " + prometheus.exitValue() + ":\n"
                        + Files.readString(workDir.resolve("prometheus.log")));
            }
            try {
                HttpResponse<Void> ready = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + "/-/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        fail("prometheus not ready after 30 s:\n" + Files.readString(workDir.resolve("prometheus.log")));
    }

    record Result(int exit, String output) {}

    private static Result run(List<String> command, String stdin) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) {
            try (var in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } else {
            process.getOutputStream().close();
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(command + " did not finish");
        }
        return new Result(process.exitValue(), output);
    }
}
