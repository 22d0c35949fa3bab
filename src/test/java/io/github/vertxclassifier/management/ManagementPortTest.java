package io.github.vertxclassifier.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.InProcessService;
import io.github.vertxclassifier.support.RawHttp;
import io.github.vertxclassifier.support.RunningService;
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
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The management port of a service with 2 classifier instances, driven by Vert.x's own HTTP client. */
@ExtendWith(VertxExtension.class)
class ManagementPortTest {

    @RegisterExtension
    static final RunningService service = new RunningService();

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
                .compose(done -> client.request(HttpMethod.POST, service.httpPort(), "127.0.0.1", "/")
                        .compose(r -> r.send()))
                .compose(done -> get(client, service.managementPort(), "/metrics"))
                .onComplete(test.succeeding(metrics -> test.verify(() -> {
                    assertThat(metrics)
                            .contains(
                                    "# TYPE vertx_http_server_requests_total counter",
                                    "# TYPE vertx_http_server_response_time_seconds histogram",
                                    "vertx_http_server_response_time_seconds_bucket{",
                                    "# TYPE classifier_requests_total counter",
                                    "# TYPE classifier_event_loop_cpu_seconds_total counter",
                                    "# TYPE classifier_path_bytes histogram",
                                    "classifier_path_bytes_bucket{",
                                    "jvm_memory_used_bytes{",
                                    "jvm_gc_memory_allocated_bytes_total",
                                    "jvm_threads_live_threads",
                                    "process_cpu_usage ",
                                    "system_cpu_count ");
                    assertThat(metrics)
                            .containsPattern(
                                    "vertx_http_server_requests_total\\{code=\"200\",method=\"GET\",server_name=\"public\"}");
                    assertThat(metrics)
                            .containsPattern(
                                    "vertx_http_server_requests_total\\{code=\"405\",method=\"POST\",server_name=\"public\"}");
                    // Each loop answered requests and burned CPU; together they answered every request.
                    List<Double> perLoop = values(metrics, "classifier_requests_total");
                    assertThat(perLoop).hasSize(2).allMatch(count -> count > 0);
                    assertThat(perLoop.stream().mapToDouble(Double::doubleValue).sum())
                            .isEqualTo(401.0);
                    assertThat(values(metrics, "classifier_event_loop_cpu_seconds_total"))
                            .hasSize(2)
                            .allMatch(cpu -> cpu > 0);
                    assertThat(values(metrics, "classifier_path_bytes_count").stream()
                                    .mapToDouble(Double::doubleValue)
                                    .sum())
                            .isEqualTo(400.0);
                    assertThat(metrics)
                            .contains(
                                    "classifier_path_bytes_bucket{event_loop=\"vert.x-eventloop-thread-0\",le=\"11.0\"}");
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
                .compose(ready -> get(client, service.managementPort(), "/health/live")
                        .map(live -> List.of(ready, new JsonObject(live))))
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
            assertThat(ManagementHttp.get(draining.managementPort(), "/health/ready")
                            .status())
                    .isEqualTo(200);
            System.gc(); // the gauge must survive a collection (Micrometer holds gauge state weakly by default)
            assertThat(scrape(draining)).containsPattern("(?m)^classifier_ready 1\\.0$");
            draining.service().lifecycle().draining();
            assertThat(scrape(draining)).containsPattern("(?m)^classifier_ready 0\\.0$");
            long before = System.currentTimeMillis();
            RawHttp.Exchange ready = ManagementHttp.get(draining.managementPort(), "/health/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.body()).contains("DRAINING");
            assertDated(ready, before);
            assertThat(ManagementHttp.get(draining.managementPort(), "/health/live")
                            .status())
                    .isEqualTo(200);
        }
    }

    @Test
    void unknownPathsAndMethodsAreRejected() {
        assertThat(ManagementHttp.get(service.managementPort(), "/").status()).isEqualTo(404);
        assertThat(ManagementHttp.get(service.managementPort(), "/helloworld").status())
                .isEqualTo(404);
        RawHttp.Exchange post = ManagementHttp.ask(service.managementPort(), "POST", "/metrics");
        assertThat(post.status()).isEqualTo(405);
        assertThat(RawHttp.header(post, "allow")).isEqualTo("GET, HEAD");
        assertThat(ManagementHttp.send(service.managementPort(), RawHttp.get("/x HTTP/9.9\r\n\r\n"))
                        .status())
                .isEqualTo(400);
    }

    /** RFC 9110 §6.6.1: an origin server with a clock sends Date in every response, whatever its status. */
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "GET, /health/live, 200",
        "GET, /health/ready, 200",
        "GET, /metrics, 200",
        "HEAD, /metrics, 200",
        "HEAD, /health/ready, 200",
        "GET, /, 404",
        "HEAD, /nothing-here, 404",
        "POST, /metrics, 405",
        "DELETE, /health/live, 405",
    })
    void everyAnswerCarriesADate(String method, String path, int status) {
        long before = System.currentTimeMillis();
        RawHttp.Exchange answer = ManagementHttp.ask(service.managementPort(), method, path);
        assertThat(answer.status()).isEqualTo(status);
        assertDated(answer, before);
        if (method.equals("HEAD")) {
            assertThat(answer.body()).as("no content in an answer to HEAD").isEmpty();
        }
    }

    @Test
    void aMalformedRequestIsAnsweredWithADate() {
        long before = System.currentTimeMillis();
        RawHttp.Exchange answer = ManagementHttp.send(
                service.managementPort(),
                "GET /health/live HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(answer.status()).isEqualTo(400);
        assertDated(answer, before);
    }

    @Test
    void thePublicPortClassifiesMetricsAndHealthPaths() {
        String body = ManagementHttp.get(service.httpPort(), "/metrics").body();
        assertThat(body).endsWith("total:\t8\n").doesNotContain("jvm_");
    }

    @Test
    void metricsCanBeTurnedOff() throws Exception {
        try (InProcessService off = InProcessService.start(new JsonObject().put("METRICS_ENABLED", false))) {
            long before = System.currentTimeMillis();
            RawHttp.Exchange metrics = ManagementHttp.get(off.managementPort(), "/metrics");
            assertThat(metrics.status()).isEqualTo(404);
            assertDated(metrics, before);
            assertThat(ManagementHttp.get(off.httpPort(), "/helloworld").body()).endsWith("total:\t11\n");
            assertThat(ManagementHttp.get(off.managementPort(), "/health/ready").status())
                    .isEqualTo(200);
        }
    }

    /** One Date header, an IMF-fixdate (RFC 9110 §5.6.7), between the request's start and now. */
    private static void assertDated(RawHttp.Exchange answer, long sentAtMillis) {
        String head = answer.text().substring(0, answer.text().indexOf("\r\n\r\n"));
        assertThat(Pattern.compile("(?im)^date:").matcher(head).results().count())
                .as("Date headers in\n%s", head)
                .isEqualTo(1);
        String date = RawHttp.header(answer, "date");
        assertThat(date).matches(RawHttp.IMF_FIXDATE);
        long dated = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME)
                .toInstant()
                .toEpochMilli();
        assertThat(dated).isBetween(sentAtMillis / 1000 * 1000, System.currentTimeMillis());
    }

    private static String scrape(InProcessService service) {
        return ManagementHttp.get(service.managementPort(), "/metrics").body();
    }

    private static List<Double> values(String metrics, String family) {
        Matcher matcher =
                Pattern.compile("(?m)^" + family + "\\{[^}]*} (\\S+)$").matcher(metrics);
        List<Double> values = new ArrayList<>();
        while (matcher.find()) {
            values.add(Double.parseDouble(matcher.group(1)));
        }
        return values;
    }
}
