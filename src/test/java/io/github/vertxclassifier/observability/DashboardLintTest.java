package io.github.vertxclassifier.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Lints grafana/vertx-classifier.json with DashboardLinter (Grafana's side, which a query evaluation cannot see:
 * whether each query's metrics exist and return data per pod and never a decoy JVM's is k8s/e2e/dashboard.py's, on
 * a real Prometheus), proves each rule can fail on a small bad dashboard, checks the dashboard shows what issue 20
 * asks for, and that the runbook links of the dashboard, the rule file and the generator share one base and land on
 * headings of docs/runbook.md.
 */
class DashboardLintTest {

    /**
     * Where docs/runbook.md is published by default: the dashboard's constant variable "runbook", every alert's
     * runbook_url and k8s/generate-prometheusrule.sh's DEFAULT_RUNBOOK_BASE carry it.
     */
    static final String RUNBOOK_BASE = "https://github.com/vertxclassifier/vertx-classifier/blob/main/docs/runbook.md";

    /**
     * Series issue 20 adds to the service's contract (the service's own cgroup readings, resident memory, JIT time,
     * event-loop delay): the dashboard shows them (the delay by its buckets, throttling as the share of periods).
     */
    static final Set<String> ADDED_METRICS = Set.of(
            "classifier_ready",
            "classifier_cgroup_cpu_periods_total",
            "classifier_cgroup_cpu_throttled_periods_total",
            "classifier_cgroup_cpu_throttled_seconds_total",
            "classifier_cgroup_cpu_limit_cores",
            "classifier_cgroup_memory_limit_bytes",
            "classifier_cgroup_memory_working_set_bytes",
            "process_resident_memory_bytes",
            "jvm_compilation_time_ms_total",
            "classifier_event_loop_delay_seconds_bucket",
            "classifier_event_loop_delay_seconds_count",
            "classifier_event_loop_delay_seconds_sum",
            "classifier_event_loop_delay_seconds_max");

    static Path root() {
        return Path.of(System.getProperty("project.root", "."));
    }

    static JsonObject dashboard() throws Exception {
        return new JsonObject(Files.readString(root().resolve("grafana/vertx-classifier.json")));
    }

    @Test
    void theDashboardPassesEveryRule() throws Exception {
        assertThat(DashboardLinter.lint(dashboard())).isEmpty();
    }

    /** Issue 20's scaling story: what a person reads first, and every loop of every pod on its own row. */
    @Test
    void theDashboardShowsWhatTheIssueAsksFor() throws Exception {
        JsonObject dashboard = dashboard();
        Set<String> used = DashboardLinter.panelExpressions(dashboard).stream()
                .flatMap(expr -> DashboardLinter.metricNames(expr).stream())
                .collect(Collectors.toSet());
        assertThat(used)
                .contains(
                        "vertx_http_server_requests_total",
                        "classifier_requests_total",
                        "classifier_event_loop_cpu_seconds_total",
                        "system_cpu_count",
                        "process_cpu_usage",
                        "process_cpu_time_ns_total",
                        "vertx_http_server_response_time_seconds_bucket",
                        "classifier_path_bytes_bucket",
                        "vertx_http_server_active_connections",
                        "jvm_memory_used_bytes",
                        "jvm_gc_pause_seconds_sum");
        assertThat(used)
                .containsAll(ADDED_METRICS.stream()
                        .filter(m -> !m.startsWith("classifier_event_loop_delay_seconds_") || m.endsWith("_bucket"))
                        .filter(m -> !m.equals("classifier_cgroup_cpu_throttled_seconds_total"))
                        .toList());
        assertThat(used).containsAll(DashboardLinter.OTHER_EXPORTERS);

        List<JsonObject> panels = DashboardLinter.panels(dashboard);
        assertThat(panels.get(0).getString("type")).isEqualTo("row");
        int secondRow = panels.subList(1, panels.size()).stream()
                        .map(p -> p.getString("type"))
                        .toList()
                        .indexOf("row")
                + 1;
        List<String> top = panels.subList(1, secondRow).stream()
                .map(DashboardLintTest::exprs)
                .toList();
        assertThat(top)
                .as("the first row: ready pods, HPA, requests per pod, every loop, delay, throttling, memory")
                .anyMatch(e -> e.contains("classifier_ready"))
                .anyMatch(e -> e.contains("kube_horizontalpodautoscaler_status_desired_replicas"))
                .anyMatch(e -> e.contains("vertx_http_server_requests_total") && e.contains("by (namespace, pod)"))
                .anyMatch(e -> e.contains("classifier_event_loop_delay_seconds_bucket"))
                .anyMatch(e -> e.contains("classifier_cgroup_cpu_throttled_periods_total"))
                .anyMatch(e -> e.contains("classifier_cgroup_memory_limit_bytes"));
        JsonObject loops = panels.subList(1, secondRow).stream()
                .filter(p -> "state-timeline".equals(p.getString("type")))
                .findFirst()
                .orElseThrow();
        assertThat(exprs(loops))
                .as("one row per loop of each pod")
                .contains("by (namespace, pod, event_loop)")
                .contains("classifier_event_loop_cpu_seconds_total");

        JsonObject perLoop = panels.stream()
                .filter(p -> p.getString("title").startsWith("Requests/s per event loop"))
                .findFirst()
                .orElseThrow();
        assertThat(perLoop.getString("repeat")).as("one panel per pod").isEqualTo("pod");
        assertThat(perLoop.getJsonObject("fieldConfig")
                        .getJsonObject("defaults")
                        .getJsonObject("custom")
                        .getJsonObject("stacking")
                        .getString("mode"))
                .as("lines, not one stack of every loop")
                .isEqualTo("none");
        assertThat(panels)
                .filteredOn(p -> exprs(p).contains("kube_horizontalpodautoscaler")
                        || exprs(p).contains("nginx_ingress_controller"))
                .as("panels on other exporters say what they need when empty")
                .hasSize(2)
                .allSatisfy(p -> assertThat(p.getJsonObject("fieldConfig")
                                .getJsonObject("defaults")
                                .getString("noValue"))
                        .startsWith("no data: needs"));
    }

    private static String exprs(JsonObject panel) {
        return panel.getJsonArray("targets", new JsonArray()).stream()
                .map(t -> ((JsonObject) t).getString("expr", ""))
                .collect(Collectors.joining("\n"));
    }

    @Test
    void metricNamesAreExtractedFromPromQl() {
        assertThat(DashboardLinter.metricNames(
                        "histogram_quantile(0.99, sum by (pod, le) (rate(a_bucket{x=\"b_c\", pod=~\"$pod\"}[$__rate_interval])))"
                                + " / on (pod) group_left max by (pod) (up) * 1e9 + foo_total"))
                .containsExactlyInAnyOrder("a_bucket", "up", "foo_total");
    }

    // Each rule fails on a small dashboard broken in one way.

    @Test
    void goodMiniDashboardPasses() {
        assertThat(DashboardLinter.lint(mini(d -> {}))).isEmpty();
    }

    @Test
    void failsWithoutDatasourceVariable() {
        assertThat(DashboardLinter.lint(mini(d -> vars(d).remove(0))))
                .anyMatch(p -> p.contains("no template variable 'datasource'"));
    }

    @Test
    void failsOnImportInputs() {
        JsonObject bad = mini(d -> {
            d.put("__inputs", new JsonArray().add(new JsonObject().put("name", "DS_PROMETHEUS")));
            firstPanel(d).put("datasource", "${DS_PROMETHEUS}");
        });
        assertThat(DashboardLinter.lint(bad))
                .anyMatch(p -> p.contains("__inputs"))
                .anyMatch(p -> p.contains("${DS_...}"))
                .anyMatch(p -> p.contains("does not use the datasource variable"));
    }

    @Test
    void failsOnHardCodedTargetDatasource() {
        JsonObject bad = mini(d -> target(d)
                .put("datasource", new JsonObject().put("type", "prometheus").put("uid", "abc123")));
        assertThat(DashboardLinter.lint(bad))
                .singleElement()
                .asString()
                .contains("target A does not use the datasource");
    }

    @Test
    void failsOnFixedRateWindow() {
        JsonObject bad = mini(
                d -> target(d)
                        .put(
                                "expr",
                                "sum(rate(classifier_requests_total{job=~\"$job\", namespace=~\"$namespace\", pod=~\"$pod\"}[5m]))"));
        assertThat(DashboardLinter.lint(bad))
                .anyMatch(p -> p.contains("[5m] instead of [$__rate_interval]"))
                .anyMatch(p -> p.contains("calls rate() without [$__rate_interval]"));
    }

    @Test
    void failsWithoutTitleDescriptionOrUnit() {
        JsonObject bad = mini(d -> {
            firstPanel(d).put("title", "").remove("description");
            firstPanel(d).getJsonObject("fieldConfig").getJsonObject("defaults").remove("unit");
        });
        assertThat(DashboardLinter.lint(bad))
                .anyMatch(p -> p.contains("has no title"))
                .anyMatch(p -> p.contains("has no description"))
                .anyMatch(p -> p.contains("has no unit"));
    }

    @Test
    void failsWithoutNamespaceAndPodFilter() {
        JsonObject bad = mini(
                d -> target(d)
                        .put(
                                "expr",
                                "sum(rate(classifier_requests_total{job=~\"$job\", namespace=~\"$namespace\"}[$__rate_interval]))"));
        assertThat(DashboardLinter.lint(bad))
                .singleElement()
                .asString()
                .contains("without namespace=~\"$namespace\", pod=~\"$pod\"");
    }

    @Test
    void failsWithoutNamespaceOrPodVariable() {
        assertThat(DashboardLinter.lint(mini(d -> vars(d).remove(3))))
                .anyMatch(p -> p.contains("no template variable 'pod'"));
    }

    @Test
    void failsWithoutJobMatcher() {
        JsonObject bad = mini(
                d -> target(d)
                        .put(
                                "expr",
                                "sum by (pod) (rate(classifier_requests_total{namespace=~\"$namespace\", "
                                        + "pod=~\"$pod\"}[$__rate_interval])) / max by (pod) (system_cpu_count{job=~\"$job\", namespace=~\"$namespace\", pod=~\"$pod\"})"));
        assertThat(DashboardLinter.lint(bad))
                .singleElement()
                .asString()
                .contains("selects classifier_requests_total without job=~\"$job\"");
    }

    @Test
    void failsWhenTheJobVariableCatchesEveryJob() {
        assertThat(DashboardLinter.lint(mini(
                        d -> vars(d).getJsonObject(1).put("includeAll", true).put("allValue", ".+"))))
                .singleElement()
                .asString()
                .contains("offers \"All\"");
        assertThat(DashboardLinter.lint(mini(
                        d -> vars(d).getJsonObject(1).put("current", new JsonObject().put("value", "x")))))
                .singleElement()
                .asString()
                .contains("does not default to vertx-classifier");
        assertThat(DashboardLinter.lint(mini(d -> vars(d).remove(1))))
                .anyMatch(p -> p.contains("no template variable 'job'"));
    }

    @Test
    void failsOnAHeatmapThatOverCounts() {
        JsonObject bad = mini(d -> {
            firstPanel(d).put("type", "heatmap");
            target(d)
                    .put(
                            "expr",
                            "sum by (le) (increase(classifier_path_bytes_bucket{job=~\"$job\", namespace=~\"$namespace\", "
                                    + "pod=~\"$pod\"}[$__rate_interval]))");
        });
        assertThat(DashboardLinter.lint(bad))
                .anyMatch(p -> p.contains("(heatmap) uses range [$__rate_interval] instead of [$__interval]"));
        JsonObject good = mini(d -> {
            firstPanel(d).put("type", "heatmap");
            target(d)
                    .put(
                            "expr",
                            "sum by (le) (increase(classifier_path_bytes_bucket{job=~\"$job\", namespace=~\"$namespace\", "
                                    + "pod=~\"$pod\"}[$__interval]))");
        });
        assertThat(DashboardLinter.lint(good)).isEmpty();
    }

    @Test
    void failsOnAnOldSchemaVersionOrAnUnknownUnit() {
        assertThat(DashboardLinter.lint(mini(d -> d.put("schemaVersion", 27))))
                .singleElement()
                .asString()
                .contains("schemaVersion 27");
        assertThat(DashboardLinter.lint(mini(d -> firstPanel(d)
                        .getJsonObject("fieldConfig")
                        .getJsonObject("defaults")
                        .put("unit", "requests"))))
                .singleElement()
                .asString()
                .contains("has unit requests");
    }

    @Test
    void failsWithoutTheMinStepOrItsVariable() {
        assertThat(DashboardLinter.lint(mini(d -> target(d).remove("interval"))))
                .singleElement()
                .asString()
                .contains("has min step (interval) null instead of $scrape_interval");
        assertThat(DashboardLinter.lint(mini(
                        d -> vars(d).getJsonObject(4).put("current", new JsonObject().put("value", "30s")))))
                .singleElement()
                .asString()
                .contains("no variable 'scrape_interval' with default 15s");
    }

    @Test
    void failsOnADuplicatePanelId() {
        assertThat(DashboardLinter.lint(mini(d -> firstPanel(d).put("id", 1))))
                .singleElement()
                .asString()
                .contains("reuses id 1");
    }

    @Test
    void anotherExportersSeriesNeedsItsOwnJobVariable() {
        String hpa = "max by (namespace) (kube_horizontalpodautoscaler_status_desired_replicas{%s"
                + " namespace=~\"$namespace\"})";
        assertThat(DashboardLinter.lint(mini(d -> target(d).put("expr", hpa.formatted("job=~\"$ksm_job\",")))))
                .isEmpty();
        for (String job : List.of("", "job=\"kube-state-metrics\",")) {
            assertThat(DashboardLinter.lint(mini(d -> target(d).put("expr", hpa.formatted(job)))))
                    .singleElement()
                    .asString()
                    .contains("without its exporter's job variable");
        }
        // A misspelt name is not one of OTHER_EXPORTERS (dashboard.py expects those empty, so cannot tell).
        String misspelt = hpa.formatted("job=~\"$ksm_job\",").replace("desired_replicas", "desired_replica");
        assertThat(DashboardLinter.lint(mini(d -> target(d).put("expr", misspelt))))
                .anyMatch(p -> p.contains("selects kube_horizontalpodautoscaler_status_desired_replica without"));
    }

    /**
     * The ServiceMonitor scrapes at the interval the dashboard's min step assumes, and sets no scrapeTimeout: a fixed
     * one above a shorter interval a user patches in makes the operator (and Prometheus) reject the endpoint.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theServiceMonitorScrapesAtTheDashboardsIntervalWithoutAFixedTimeout() throws Exception {
        Map<String, Object> monitor = new org.yaml.snakeyaml.Yaml()
                .load(Files.readString(
                        root().resolve("k8s/components/monitoring/prometheus-operator/servicemonitor.yaml")));
        List<Map<String, Object>> endpoints =
                (List<Map<String, Object>>) ((Map<String, Object>) monitor.get("spec")).get("endpoints");
        assertThat(endpoints).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.get("interval")).isEqualTo(DashboardLinter.DEFAULT_SCRAPE_INTERVAL);
            assertThat(endpoint).doesNotContainKey("scrapeTimeout");
        });
    }

    /**
     * One runbook base: the dashboard's links are ${runbook}#anchor with the constant variable runbook = RUNBOOK_BASE,
     * every alert's runbook_url is RUNBOOK_BASE#alertname (lower case), the generator's default base is the same, and
     * every anchor is a heading of docs/runbook.md (GitHub's anchor rule: lower case, punctuation dropped, spaces to -).
     */
    @Test
    void runbookLinksShareOneBaseAndLandOnHeadingsOfTheRunbook() throws Exception {
        Set<String> anchors = Files.readString(root().resolve("docs/runbook.md"))
                .lines()
                .filter(l -> l.startsWith("#"))
                .map(l -> l.replaceFirst("^#+\\s*", "")
                        .toLowerCase()
                        .replaceAll("[^a-z0-9 _-]", "")
                        .replace(' ', '-'))
                .collect(Collectors.toSet());
        JsonObject dashboard = dashboard();
        JsonObject runbook = vars(dashboard).stream()
                .map(JsonObject.class::cast)
                .filter(v -> "runbook".equals(v.getString("name")))
                .findFirst()
                .orElseThrow();
        assertThat(runbook.getString("type")).isEqualTo("constant");
        assertThat(runbook.getString("query")).isEqualTo(RUNBOOK_BASE);
        assertThat(runbook.getJsonObject("current").getString("value")).isEqualTo(RUNBOOK_BASE);
        List<String> urls = new java.util.ArrayList<>();
        for (String url : DashboardLinter.linkUrls(dashboard)) {
            assertThat(url).as("dashboard link").startsWith("${runbook}");
            urls.add(url.replace("${runbook}", RUNBOOK_BASE));
        }
        assertThat(urls).as("dashboard links").hasSizeGreaterThan(3);
        for (Map<String, Object> rule : PrometheusQueriesIT.alertRules()) {
            Object url = ((Map<?, ?>) rule.get("annotations")).get("runbook_url");
            assertThat(url)
                    .as(rule.get("alert") + " runbook_url")
                    .isEqualTo(RUNBOOK_BASE + "#"
                            + String.valueOf(rule.get("alert")).toLowerCase());
            urls.add(String.valueOf(url));
        }
        assertThat(urls).allSatisfy(url -> {
            if (url.contains("#")) {
                assertThat(anchors).as("headings of docs/runbook.md").contains(url.substring(url.indexOf('#') + 1));
            }
        });
        assertThat(Files.readString(root().resolve("k8s/generate-prometheusrule.sh")))
                .contains("DEFAULT_RUNBOOK_BASE=\"" + RUNBOOK_BASE + "\"");
        for (String file : List.of(
                "grafana/alert-rules.yaml",
                "grafana/vertx-classifier.json",
                "docs/observability.md",
                "docs/runbook.md",
                "k8s/components/monitoring/prometheus-operator/prometheusrule.yaml")) {
            assertThat(Files.readString(root().resolve(file))).as(file).doesNotContain("git.example.com");
        }
    }

    /** A one-panel dashboard that passes every rule, changed by {@code breakIt}. */
    private static JsonObject mini(Consumer<JsonObject> breakIt) {
        JsonObject ds = new JsonObject().put("type", "prometheus").put("uid", "${datasource}");
        JsonObject dashboard = new JsonObject()
                .put("title", "mini")
                .put("schemaVersion", 39)
                .put(
                        "templating",
                        new JsonObject()
                                .put(
                                        "list",
                                        new JsonArray()
                                                .add(new JsonObject()
                                                        .put("name", "datasource")
                                                        .put("type", "datasource")
                                                        .put("query", "prometheus"))
                                                .add(
                                                        new JsonObject()
                                                                .put("name", "job")
                                                                .put("label", "job")
                                                                .put("type", "query")
                                                                .put("datasource", ds.copy())
                                                                .put("refresh", 2)
                                                                .put("multi", true)
                                                                .put("includeAll", false)
                                                                .put(
                                                                        "current",
                                                                        new JsonObject()
                                                                                .put(
                                                                                        "value",
                                                                                        new JsonArray()
                                                                                                .add(
                                                                                                        "vertx-classifier")))
                                                                .put(
                                                                        "query",
                                                                        new JsonObject()
                                                                                .put(
                                                                                        "query",
                                                                                        "label_values(classifier_requests_total, job)")))
                                                .add(
                                                        new JsonObject()
                                                                .put("name", "namespace")
                                                                .put("type", "query")
                                                                .put("datasource", ds.copy())
                                                                .put("refresh", 2)
                                                                .put(
                                                                        "query",
                                                                        new JsonObject()
                                                                                .put(
                                                                                        "query",
                                                                                        "label_values(classifier_requests_total{job=~\"$job\"}, namespace)")))
                                                .add(
                                                        new JsonObject()
                                                                .put("name", "pod")
                                                                .put("type", "query")
                                                                .put("datasource", ds.copy())
                                                                .put("refresh", 2)
                                                                .put(
                                                                        "query",
                                                                        "label_values(classifier_requests_total{job=~\"$job\", namespace=~\"$namespace\"}, pod)"))
                                                .add(new JsonObject()
                                                        .put("name", "scrape_interval")
                                                        .put("type", "custom")
                                                        .put("query", "15s,30s")
                                                        .put("current", new JsonObject().put("value", "15s")))))
                .put(
                        "panels",
                        new JsonArray()
                                .add(new JsonObject()
                                        .put("type", "row")
                                        .put("title", "Traffic")
                                        .put("id", 1))
                                .add(new JsonObject()
                                        .put("type", "timeseries")
                                        .put("id", 2)
                                        .put("title", "Requests/s")
                                        .put("description", "requests per second")
                                        .put("datasource", ds.copy())
                                        .put(
                                                "fieldConfig",
                                                new JsonObject().put("defaults", new JsonObject().put("unit", "reqps")))
                                        .put(
                                                "targets",
                                                new JsonArray()
                                                        .add(new JsonObject()
                                                                .put("refId", "A")
                                                                .put("datasource", ds.copy())
                                                                .put("interval", "$scrape_interval")
                                                                .put(
                                                                        "expr",
                                                                        "sum by (pod) (rate(classifier_requests_total{job=~\"$job\", namespace=~\"$namespace\", pod=~\"$pod\"}"
                                                                                + "[$__rate_interval]))")))));
        breakIt.accept(dashboard);
        return dashboard;
    }

    private static JsonArray vars(JsonObject d) {
        return d.getJsonObject("templating").getJsonArray("list");
    }

    private static JsonObject firstPanel(JsonObject d) {
        return d.getJsonArray("panels").getJsonObject(1);
    }

    private static JsonObject target(JsonObject d) {
        return firstPanel(d).getJsonArray("targets").getJsonObject(0);
    }
}
