package io.github.vertxclassifier.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.config.ServiceConfig;
import io.github.vertxclassifier.support.FreePorts;
import io.github.vertxclassifier.support.InProcessService;
import io.github.vertxclassifier.support.RawHttp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lints grafana/vertx-classifier.json (Grafana dashboard-linter style) and proves each rule can fail on a
 * small bad dashboard.
 */
class DashboardLintTest {

  /** Where docs/observability.md is published; the dashboard's links and the alerts' runbook_url start with it. */
  static final String RUNBOOK = "https://git.example.com/vertx-classifier/blob/main/docs/observability.md#";

  /** The metric names docs/spec.md ("Metrics that must exist") promises, as Prometheus series names. */
  static final Set<String> SPEC_METRICS = Set.of(
      "vertx_http_server_requests_total",
      "vertx_http_server_response_time_seconds_bucket",
      "vertx_http_server_response_time_seconds_count",
      "vertx_http_server_response_time_seconds_sum",
      "classifier_requests_total",
      "classifier_event_loop_cpu_seconds_total",
      "classifier_path_bytes_bucket",
      "classifier_path_bytes_count",
      "classifier_path_bytes_sum",
      "process_cpu_usage",
      "system_cpu_count");

  /**
   * The in-process service with 2 event loops on two distinct free ports (FreePorts.next() may hand out the
   * same port twice in a row, which InProcessService.start() then rejects).
   */
  static InProcessService startService() {
    int http = FreePorts.next();
    int management = FreePorts.next();
    while (management == http) {
      management = FreePorts.next();
    }
    return InProcessService.start(new JsonObject()
        .put(ServiceConfig.HTTP_PORT, http).put(ServiceConfig.MANAGEMENT_PORT, management));
  }

  static Path root() {
    return Path.of(System.getProperty("project.root", "."));
  }

  static JsonObject dashboard() throws Exception {
    return new JsonObject(Files.readString(root().resolve("grafana/vertx-classifier.json")));
  }

  /** Series names in a real scrape of the service after every kind of request, plus the spec's and Prometheus's. */
  private static Set<String> known;

  @BeforeAll
  static void scrapeRealService() throws Exception {
    try (InProcessService service = startService()) {
      for (int i = 0; i < 4; i++) { // new connection each time: both event loops serve
        RawHttp.exchange(service.httpPort(), RawHttp.get("/helloworld"));
        RawHttp.exchange(service.httpPort(), RawHttp.request("POST", "/"));
        RawHttp.exchange(service.httpPort(), RawHttp.get("nopath"));
      }
      System.gc(); // so the GC pause timer has a series
      HttpResponse<String> scrape = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.managementPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(scrape.statusCode()).isEqualTo(200);
      known = seriesNames(scrape.body());
    }
    assertThat(known).as("the service exports what docs/spec.md promises").containsAll(SPEC_METRICS);
    known.addAll(SPEC_METRICS);
    known.addAll(DashboardLinter.PROMETHEUS_SYNTHETIC);
  }

  static Set<String> seriesNames(String exposition) {
    return exposition.lines()
        .filter(line -> !line.isBlank() && !line.startsWith("#"))
        .map(line -> line.split("[{ ]", 2)[0])
        .collect(Collectors.toCollection(HashSet::new));
  }

  @Test
  void theDashboardPassesEveryRule() throws Exception {
    assertThat(DashboardLinter.lint(dashboard(), known)).isEmpty();
  }

  @Test
  void theDashboardShowsWhatTheIssueAsksFor() throws Exception {
    JsonObject dashboard = dashboard();
    Set<String> used = DashboardLinter.panelExpressions(dashboard).stream()
        .flatMap(expr -> DashboardLinter.metricNames(expr).stream())
        .collect(Collectors.toSet());
    assertThat(used).contains(
        "vertx_http_server_requests_total", "classifier_requests_total", "classifier_event_loop_cpu_seconds_total",
        "system_cpu_count", "process_cpu_usage", "process_cpu_time_ns_total",
        "vertx_http_server_response_time_seconds_bucket", "classifier_path_bytes_bucket",
        "vertx_http_server_active_connections", "jvm_memory_used_bytes", "jvm_gc_pause_seconds_sum");
    List<String> exprs = DashboardLinter.panelExpressions(dashboard);
    assertThat(exprs).anyMatch(e -> e.contains("histogram_quantile(0.5,") && e.contains("server_name=\"public\""))
        .anyMatch(e -> e.contains("histogram_quantile(0.9,"))
        .anyMatch(e -> e.contains("histogram_quantile(0.99,"))
        .anyMatch(e -> e.contains("code=~\"4..\""))
        .anyMatch(e -> e.contains("code=~\"5..\""))
        .anyMatch(e -> e.contains("by (pod, event_loop)") && e.contains("classifier_requests_total"));
    JsonObject perLoop = DashboardLinter.panels(dashboard).stream()
        .filter(p -> p.getString("title").startsWith("Requests/s per event loop")).findFirst().orElseThrow();
    assertThat(perLoop.getJsonObject("fieldConfig").getJsonObject("defaults").getJsonObject("custom")
        .getJsonObject("stacking").getString("mode")).isEqualTo("normal");
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
    assertThat(DashboardLinter.lint(mini(d -> { }), known)).isEmpty();
  }

  @Test
  void failsWithoutDatasourceVariable() {
    assertThat(DashboardLinter.lint(mini(d -> vars(d).remove(0)), known))
        .anyMatch(p -> p.contains("no template variable 'datasource'"));
  }

  @Test
  void failsOnImportInputs() {
    JsonObject bad = mini(d -> {
      d.put("__inputs", new JsonArray().add(new JsonObject().put("name", "DS_PROMETHEUS")));
      firstPanel(d).put("datasource", "${DS_PROMETHEUS}");
    });
    assertThat(DashboardLinter.lint(bad, known))
        .anyMatch(p -> p.contains("__inputs"))
        .anyMatch(p -> p.contains("${DS_...}"))
        .anyMatch(p -> p.contains("does not use the datasource variable"));
  }

  @Test
  void failsOnHardCodedTargetDatasource() {
    JsonObject bad = mini(d -> target(d).put("datasource", new JsonObject().put("type", "prometheus").put("uid", "abc123")));
    assertThat(DashboardLinter.lint(bad, known)).singleElement().asString().contains("target A does not use the datasource");
  }

  @Test
  void failsOnFixedRateWindow() {
    JsonObject bad = mini(d -> target(d).put("expr",
        "sum(rate(classifier_requests_total{job=~\"$job\", namespace=~\"$namespace\", pod=~\"$pod\"}[5m]))"));
    assertThat(DashboardLinter.lint(bad, known))
        .anyMatch(p -> p.contains("[5m] instead of [$__rate_interval]"))
        .anyMatch(p -> p.contains("calls rate() without [$__rate_interval]"));
  }

  @Test
  void failsWithoutTitleDescriptionOrUnit() {
    JsonObject bad = mini(d -> {
      firstPanel(d).put("title", "").remove("description");
      firstPanel(d).getJsonObject("fieldConfig").getJsonObject("defaults").remove("unit");
    });
    assertThat(DashboardLinter.lint(bad, known))
        .anyMatch(p -> p.contains("has no title"))
        .anyMatch(p -> p.contains("has no description"))
        .anyMatch(p -> p.contains("has no unit"));
  }

  @Test
  void failsOnUnknownMetric() {
    JsonObject bad = mini(d -> target(d).put("expr",
        "sum(rate(classifier_requests_count{job=~\"$job\", namespace=~\"$namespace\", pod=~\"$pod\"}[$__rate_interval]))"));
    assertThat(DashboardLinter.lint(bad, known)).singleElement().asString()
        .contains("unknown metric classifier_requests_count");
  }

  @Test
  void failsWithoutNamespaceAndPodFilter() {
    JsonObject bad = mini(d -> target(d).put("expr",
        "sum(rate(classifier_requests_total{job=~\"$job\", namespace=~\"$namespace\"}[$__rate_interval]))"));
    assertThat(DashboardLinter.lint(bad, known)).singleElement().asString()
        .contains("without namespace=~\"$namespace\", pod=~\"$pod\"");
  }

  @Test
  void failsWithoutNamespaceOrPodVariable() {
    assertThat(DashboardLinter.lint(mini(d -> vars(d).remove(3)), known))
        .anyMatch(p -> p.contains("no template variable 'pod'"));
  }

  @Test
  void failsWithoutJobMatcher() {
    JsonObject bad = mini(d -> target(d).put("expr", "sum by (pod) (rate(classifier_requests_total{namespace=~\"$namespace\", "
        + "pod=~\"$pod\"}[$__rate_interval])) / max by (pod) (system_cpu_count{job=~\"$job\", namespace=~\"$namespace\", pod=~\"$pod\"})"));
    assertThat(DashboardLinter.lint(bad, known)).singleElement().asString()
        .contains("selects classifier_requests_total without job=~\"$job\"");
  }

  @Test
  void failsWhenTheJobVariableCatchesEveryJob() {
    assertThat(DashboardLinter.lint(mini(d -> vars(d).getJsonObject(1).put("includeAll", true).put("allValue", ".+")), known))
        .singleElement().asString().contains("offers \"All\"");
    assertThat(DashboardLinter.lint(mini(d -> vars(d).getJsonObject(1).put("current", new JsonObject().put("value", "x"))), known))
        .singleElement().asString().contains("does not default to vertx-classifier");
    assertThat(DashboardLinter.lint(mini(d -> vars(d).remove(1)), known))
        .anyMatch(p -> p.contains("no template variable 'job'"));
    assertThat(DashboardLinter.lint(mini(d -> vars(d).getJsonObject(3).put("query",
        "label_values(classifier_requests_total{namespace=~\"$namespace\"}, pod)")), known))
        .singleElement().asString().contains("'pod' lists values of every job");
  }

  @Test
  void failsOnAHeatmapThatOverCounts() {
    JsonObject bad = mini(d -> {
      firstPanel(d).put("type", "heatmap");
      target(d).put("expr", "sum by (le) (increase(classifier_path_bytes_bucket{job=~\"$job\", namespace=~\"$namespace\", "
          + "pod=~\"$pod\"}[$__rate_interval]))");
    });
    assertThat(DashboardLinter.lint(bad, known))
        .anyMatch(p -> p.contains("(heatmap) uses range [$__rate_interval] instead of [$__interval]"));
    JsonObject good = mini(d -> {
      firstPanel(d).put("type", "heatmap");
      target(d).put("expr", "sum by (le) (increase(classifier_path_bytes_bucket{job=~\"$job\", namespace=~\"$namespace\", "
          + "pod=~\"$pod\"}[$__interval]))");
    });
    assertThat(DashboardLinter.lint(good, known)).isEmpty();
  }

  @Test
  void failsOnAnOldSchemaVersionOrAnUnknownUnit() {
    assertThat(DashboardLinter.lint(mini(d -> d.put("schemaVersion", 27)), known)).singleElement().asString()
        .contains("schemaVersion 27");
    assertThat(DashboardLinter.lint(mini(d -> firstPanel(d).getJsonObject("fieldConfig").getJsonObject("defaults")
        .put("unit", "requests")), known)).singleElement().asString().contains("has unit requests");
  }

  /**
   * Runbook links (the dashboard's and every alert's runbook_url) share one base and end in an anchor of a
   * heading of docs/observability.md (GitHub's anchor rule: lower case, punctuation dropped, spaces to -).
   */
  @Test
  void runbookLinksPointAtHeadingsOfTheRunbook() throws Exception {
    Set<String> anchors = Files.readString(root().resolve("docs/observability.md")).lines()
        .filter(l -> l.startsWith("#")).map(l -> l.replaceFirst("^#+\\s*", "").toLowerCase()
            .replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'))
        .collect(Collectors.toSet());
    List<String> urls = new java.util.ArrayList<>(DashboardLinter.linkUrls(dashboard()));
    assertThat(urls).as("dashboard links").isNotEmpty();
    List<Map<String, Object>> rules = PrometheusQueriesIT.alertRules();
    for (Map<String, Object> rule : rules) {
      Object url = ((Map<?, ?>) rule.get("annotations")).get("runbook_url");
      assertThat(url).as(rule.get("alert") + " runbook_url").isNotNull();
      assertThat(String.valueOf(url)).endsWith("#" + String.valueOf(rule.get("alert")).toLowerCase());
      urls.add(String.valueOf(url));
    }
    assertThat(urls).allSatisfy(url -> {
      assertThat(url).startsWith(RUNBOOK).contains("#");
      assertThat(anchors).as("headings of docs/observability.md").contains(url.substring(url.indexOf('#') + 1));
    });
  }

  /** A one-panel dashboard that passes every rule, changed by {@code breakIt}. */
  private static JsonObject mini(Consumer<JsonObject> breakIt) {
    JsonObject ds = new JsonObject().put("type", "prometheus").put("uid", "${datasource}");
    JsonObject dashboard = new JsonObject()
        .put("title", "mini")
        .put("schemaVersion", 39)
        .put("templating", new JsonObject().put("list", new JsonArray()
            .add(new JsonObject().put("name", "datasource").put("type", "datasource").put("query", "prometheus"))
            .add(new JsonObject().put("name", "job").put("label", "job").put("type", "query").put("datasource", ds.copy())
                .put("refresh", 2).put("multi", true).put("includeAll", false)
                .put("current", new JsonObject().put("value", new JsonArray().add("vertx-classifier")))
                .put("query", new JsonObject().put("query", "label_values(classifier_requests_total, job)")))
            .add(new JsonObject().put("name", "namespace").put("type", "query").put("datasource", ds.copy()).put("refresh", 2)
                .put("query", new JsonObject().put("query", "label_values(classifier_requests_total{job=~\"$job\"}, namespace)")))
            .add(new JsonObject().put("name", "pod").put("type", "query").put("datasource", ds.copy()).put("refresh", 2)
                .put("query", "label_values(classifier_requests_total{job=~\"$job\", namespace=~\"$namespace\"}, pod)"))))
        .put("panels", new JsonArray()
            .add(new JsonObject().put("type", "row").put("title", "Traffic").put("id", 1))
            .add(new JsonObject().put("type", "timeseries").put("id", 2).put("title", "Requests/s")
                .put("description", "requests per second").put("datasource", ds.copy())
                .put("fieldConfig", new JsonObject().put("defaults", new JsonObject().put("unit", "reqps")))
                .put("targets", new JsonArray().add(new JsonObject().put("refId", "A").put("datasource", ds.copy())
                    .put("expr", "sum by (pod) (rate(classifier_requests_total{job=~\"$job\", namespace=~\"$namespace\", pod=~\"$pod\"}"
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
