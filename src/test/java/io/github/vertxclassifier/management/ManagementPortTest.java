package io.github.vertxclassifier.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.InProcessService;
import io.github.vertxclassifier.support.RawHttp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The management port of a service with 2 classifier instances, driven by Vert.x's own HTTP client. */
@ExtendWith(VertxExtension.class)
class ManagementPortTest {

  private static InProcessService service;

  @BeforeAll
  static void start() {
    service = InProcessService.start();
  }

  @AfterAll
  static void stop() throws Exception {
    service.close();
  }

  private static Future<String> get(HttpClient client, int port, String path) {
    return client.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(request -> request.send())
        .compose(HttpClientResponse::body)
        .map(Buffer::toString);
  }

  @Test
  void metricsShowEveryEventLoopWorkingAfterTraffic(Vertx vertx, VertxTestContext test) {
    InProcessService service = InProcessService.start(); // its own, so that the counts are this test's
    // Many connections: Vert.x hands the connections of the shared port to the instances in turn.
    HttpClient client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(16));
    List<Future<String>> requests = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      requests.add(get(client, service.httpPort(), i % 2 == 0 ? "/helloworld" : "/" + "helloworld".repeat(10)));
    }
    Future.all(requests)
        .compose(done -> client.request(HttpMethod.POST, service.httpPort(), "127.0.0.1", "/").compose(r -> r.send()))
        .compose(done -> get(client, service.managementPort(), "/metrics"))
        .onComplete(test.succeeding(metrics -> test.verify(() -> {
          assertThat(metrics).contains(
              "# TYPE vertx_http_server_requests_total counter",
              "# TYPE vertx_http_server_response_time_seconds histogram",
              "vertx_http_server_response_time_seconds_bucket{",
              "# TYPE classifier_requests_total counter",
              "# TYPE classifier_event_loop_cpu_seconds_total counter",
              "# TYPE classifier_path_bytes histogram",
              "classifier_path_bytes_bucket{",
              "jvm_memory_used_bytes{", "jvm_gc_memory_allocated_bytes_total", "jvm_threads_live_threads",
              "process_cpu_usage ", "system_cpu_count ");
          assertThat(metrics).containsPattern(
              "vertx_http_server_requests_total\\{code=\"200\",method=\"GET\",server_name=\"public\"}");
          assertThat(metrics).containsPattern(
              "vertx_http_server_requests_total\\{code=\"405\",method=\"POST\",server_name=\"public\"}");
          // Each loop answered requests and burned CPU; together they answered every request.
          List<Double> perLoop = values(metrics, "classifier_requests_total");
          assertThat(perLoop).hasSize(2).allMatch(count -> count > 0);
          assertThat(perLoop.stream().mapToDouble(Double::doubleValue).sum()).isEqualTo(401.0);
          assertThat(values(metrics, "classifier_event_loop_cpu_seconds_total")).hasSize(2).allMatch(cpu -> cpu > 0);
          assertThat(values(metrics, "classifier_path_bytes_count").stream().mapToDouble(Double::doubleValue).sum())
              .isEqualTo(400.0);
          assertThat(metrics).contains("classifier_path_bytes_bucket{event_loop=\"vert.x-eventloop-thread-0\",le=\"11.0\"}");
          // Label values stay bounded: never a path.
          assertThat(metrics).doesNotContain("helloworld");
          service.close();
          test.completeNow();
        })));
  }

  @Test
  void healthEndpointsAnswerJson(Vertx vertx, VertxTestContext test) {
    HttpClient client = vertx.createHttpClient();
    client.request(HttpMethod.GET, service.managementPort(), "127.0.0.1", "/health/ready")
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> {
          assertThat(response.statusCode()).isEqualTo(200);
          return body.toJsonObject();
        }))
        .compose(ready -> get(client, service.managementPort(), "/health/live").map(live -> List.of(ready, new JsonObject(live))))
        .onComplete(test.succeeding(both -> test.verify(() -> {
          assertThat(both.get(0).getString("status")).isEqualTo("UP");
          assertThat(both.get(1).getString("status")).isEqualTo("UP");
          assertThat(both.get(1).encode()).contains("\"eventLoops\":2");
          test.completeNow();
        })));
  }

  @Test
  void readinessIs503WhileDrainingAndLivenessStaysUp() throws Exception {
    try (InProcessService draining = InProcessService.start()) {
      assertThat(RawHttp.exchange(draining.managementPort(), RawHttp.get("/health/ready")).status()).isEqualTo(200);
      System.gc(); // the gauge must survive a collection (Micrometer holds gauge state weakly by default)
      assertThat(scrape(draining)).containsPattern("(?m)^classifier_ready 1\\.0$");
      draining.service().lifecycle().draining();
      assertThat(scrape(draining)).containsPattern("(?m)^classifier_ready 0\\.0$");
      RawHttp.Exchange ready = RawHttp.exchange(draining.managementPort(), RawHttp.get("/health/ready"));
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.body()).contains("DRAINING");
      assertThat(RawHttp.exchange(draining.managementPort(), RawHttp.get("/health/live")).status()).isEqualTo(200);
    }
  }

  @Test
  void unknownPathsAndMethodsAreRejected() {
    assertThat(RawHttp.exchange(service.managementPort(), RawHttp.get("/")).status()).isEqualTo(404);
    assertThat(RawHttp.exchange(service.managementPort(), RawHttp.get("/helloworld")).status()).isEqualTo(404);
    RawHttp.Exchange post = RawHttp.exchange(service.managementPort(), RawHttp.request("POST", "/metrics"));
    assertThat(post.status()).isEqualTo(405);
    assertThat(RawHttp.header(post, "allow")).isEqualTo("GET, HEAD");
    assertThat(RawHttp.exchange(service.managementPort(), RawHttp.get("/x HTTP/9.9\r\n\r\n")).status())
        .isEqualTo(400);
  }

  @Test
  void metricsNegotiateOpenMetricsAndKeepTextForPlainScrapes() {
    RawHttp.Exchange plain = RawHttp.exchange(service.managementPort(), RawHttp.get("/metrics"));
    assertThat(RawHttp.header(plain, "content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    assertThat(plain.body()).contains("# TYPE classifier_requests_total counter").doesNotContain("# EOF");

    // What Prometheus sends by default: OpenMetrics first, text as a fallback.
    byte[] prometheus = ("GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: application/openmetrics-text;"
        + "version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
    RawHttp.Exchange openMetrics = RawHttp.exchange(service.managementPort(), prometheus);
    assertThat(openMetrics.status()).isEqualTo(200);
    assertThat(RawHttp.header(openMetrics, "content-type")).startsWith("application/openmetrics-text; version=1.0.0");
    assertThat(openMetrics.body()).contains("# TYPE classifier_requests counter").endsWith("# EOF\n");
  }

  @Test
  void thePublicPortClassifiesMetricsAndHealthPaths() {
    String body = RawHttp.exchange(service.httpPort(), RawHttp.get("/metrics")).body();
    assertThat(body).endsWith("total:\t8\n").doesNotContain("jvm_");
  }

  @Test
  void metricsCanBeTurnedOff() throws Exception {
    try (InProcessService off = InProcessService.start(new JsonObject().put("METRICS_ENABLED", false))) {
      assertThat(RawHttp.exchange(off.managementPort(), RawHttp.get("/metrics")).status()).isEqualTo(404);
      assertThat(RawHttp.exchange(off.httpPort(), RawHttp.get("/helloworld")).body()).endsWith("total:\t11\n");
      assertThat(RawHttp.exchange(off.managementPort(), RawHttp.get("/health/ready")).status()).isEqualTo(200);
    }
  }

  private static String scrape(InProcessService service) {
    return RawHttp.exchange(service.managementPort(), RawHttp.get("/metrics")).body();
  }

  private static List<Double> values(String metrics, String family) {
    Matcher matcher = Pattern.compile("(?m)^" + family + "\\{[^}]*} (\\S+)$").matcher(metrics);
    List<Double> values = new ArrayList<>();
    while (matcher.find()) {
      values.add(Double.parseDouble(matcher.group(1)));
    }
    return values;
  }
}
