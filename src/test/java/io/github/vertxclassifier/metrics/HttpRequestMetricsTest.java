package io.github.vertxclassifier.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.FreePorts;
import io.github.vertxclassifier.support.RawHttp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpRequestMetrics} against the implementation it replaces: a server metered by the service's
 * factory and the same server metered by plain vertx-micrometer-metrics must export the same request series
 * (names, labels, help, buckets, counts), and ours must stay bounded and correct where the library's isn't.
 */
class HttpRequestMetricsTest {

    /** The request families a dashboard, an alert or docs/spec.md names. */
    private static final List<String> FAMILIES = List.of(
            "vertx_http_server_requests_total", "vertx_http_server_response_time_seconds_bucket",
            "vertx_http_server_response_time_seconds_count", "vertx_http_server_active_requests");

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
    }

    @Test
    void exportsTheSameRequestSeriesAsVertxMicrometerMetrics() throws Exception {
        PrometheusMeterRegistry ours = registry();
        PrometheusMeterRegistry library = registry();
        // The library's timer gets the same buckets through a filter; ours sets them on its builder.
        library.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                return id.getName().equals("vertx.http.server.response.time")
                        ? DistributionStatisticConfig.builder()
                                .serviceLevelObjectives(Arrays.stream(HttpRequestMetrics.LATENCY_BUCKETS)
                                        .mapToDouble(Duration::toNanos)
                                        .toArray())
                                .build()
                                .merge(config)
                        : config;
            }
        });
        int oursPort = serve(new ServiceMetricsFactory(ours));
        int libraryPort = serve(new MicrometerMetricsFactory(library));

        for (int port : new int[] {oursPort, libraryPort}) {
            for (String method : List.of("GET", "GET", "GET", "HEAD", "POST", "DELETE", "PUT")) {
                RawHttp.exchange(port, RawHttp.request(method, "/x"));
            }
        }

        for (PrometheusMeterRegistry registry : List.of(ours, library)) {
            // Vert.x ends a request's metrics once the answer is written, which can be after the client has read it.
            awaitValue(
                    () -> registry.find("vertx.http.server.requests").counters().stream()
                            .mapToDouble(Counter::count)
                            .sum(),
                    7);
        }
        String oursScrape = ours.scrape();
        String libraryScrape = library.scrape();
        Map<String, String> oursSeries = series(oursScrape);
        assertThat(oursSeries)
                .containsEntry(
                        "vertx_http_server_requests_total{code=\"200\",method=\"GET\",server_name=\"public\"}", "3.0")
                .containsEntry(
                        "vertx_http_server_requests_total{code=\"405\",method=\"PUT\",server_name=\"public\"}", "1.0")
                .containsKey(
                        "vertx_http_server_response_time_seconds_bucket{code=\"200\",method=\"HEAD\",server_name=\"public\",le=\"5.0E-5\"}");
        // Latency values differ between two servers; the series (with every bucket) and the counts must not.
        assertThat(oursSeries.keySet()).isEqualTo(series(libraryScrape).keySet());
        assertThat(withoutLatencyBuckets(oursSeries)).isEqualTo(withoutLatencyBuckets(series(libraryScrape)));
        assertThat(helpAndType(oursScrape))
                .isEqualTo(helpAndType(libraryScrape))
                .isNotEmpty();
    }

    @Test
    void inventedMethodsShareOneSeries() throws Exception {
        PrometheusMeterRegistry metrics = registry();
        int port = serve(new ServiceMetricsFactory(metrics));
        String other = "vertx_http_server_requests_total{code=\"405\",method=\"_OTHER\",server_name=\"public\"}";
        RawHttp.exchange(port, RawHttp.request("BREW", "/"));
        // Vert.x ends a request's metrics once the answer is written, which can be after the client has read it.
        awaitValue(() -> value(metrics, other), 1);
        long metersAfterOne = httpServerMeters(metrics);

        for (int i = 0; i < 24; i++) {
            assertThat(RawHttp.exchange(port, RawHttp.request("BREW" + i, "/")).status())
                    .isEqualTo(405);
        }
        awaitValue(() -> value(metrics, other), 25);

        Map<String, String> series = series(metrics.scrape());
        assertThat(series)
                .containsEntry(
                        "vertx_http_server_requests_total{code=\"405\",method=\"_OTHER\",server_name=\"public\"}",
                        "25.0")
                .containsEntry("vertx_http_server_active_requests{method=\"_OTHER\",server_name=\"public\"}", "0.0");
        assertThat(series.keySet()).noneMatch(key -> key.contains("BREW"));
        assertThat(httpServerMeters(metrics)).isEqualTo(metersAfterOne);
    }

    @Test
    void aClientGoneMidRequestIsAResetAndNoLongerActive() throws Exception {
        PrometheusMeterRegistry metrics = registry();
        int port = serve(new ServiceMetricsFactory(metrics));
        String active = "vertx_http_server_active_requests{method=\"GET\",server_name=\"public\"}";
        String resets = "vertx_http_server_request_resets_total{method=\"GET\",server_name=\"public\"}";

        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            awaitValue(() -> value(metrics, active), 1);
        }

        awaitValue(() -> value(metrics, resets), 1);
        awaitValue(() -> value(metrics, active), 0);
        // The library's help text: promtool flags a family without one.
        assertThat(metrics.scrape())
                .contains("# HELP vertx_http_server_request_resets_total Number of request resets\n");
    }

    @Test
    void countsEveryRequestFromEveryEventLoop() throws Exception {
        PrometheusMeterRegistry metrics = registry();
        int port = serve(new ServiceMetricsFactory(metrics));
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        for (int client = 0; client < 4; client++) {
            sent.add(clients.submit(() -> {
                for (int i = 0; i < 150; i++) {
                    assertThat(RawHttp.exchange(port, RawHttp.get("/x")).status())
                            .isEqualTo(200);
                }
            }));
        }
        clients.shutdown();
        for (java.util.concurrent.Future<?> client : sent) {
            client.get(60, TimeUnit.SECONDS); // rethrows a client's failed assertion
        }

        awaitValue(
                () -> value(
                        metrics,
                        "vertx_http_server_requests_total{code=\"200\",method=\"GET\",server_name=\"public\"}"),
                600);
        Map<String, String> series = series(metrics.scrape());
        assertThat(series)
                .containsEntry(
                        "vertx_http_server_requests_total{code=\"200\",method=\"GET\",server_name=\"public\"}", "600.0")
                .containsEntry("vertx_http_server_active_requests{method=\"GET\",server_name=\"public\"}", "0.0");
    }

    private static long httpServerMeters(PrometheusMeterRegistry metrics) {
        return metrics.getMeters().stream()
                .filter(meter -> meter.getId().getName().startsWith("vertx.http.server."))
                .count();
    }

    private PrometheusMeterRegistry registry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        toClose.add(registry::close);
        return registry;
    }

    /**
     * A Vert.x with two event loops, each with an instance of a server named "public" (as the service's):
     * 200 for GET and HEAD, 405 for anything else, no answer at all for /hang. Returns its port.
     */
    private int serve(VertxMetricsFactory factory) throws Exception {
        Vertx vertx = Vertx.builder()
                .with(new VertxOptions()
                        .setEventLoopPoolSize(2)
                        .setMetricsOptions(
                                // vertx-micrometer-metrics keeps backends by registry name, JVM-wide: one name per
                                // Vert.x here.
                                new MicrometerMetricsOptions()
                                        .setEnabled(true)
                                        .setRegistryName(UUID.randomUUID().toString())
                                        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.SERVER_NAME))))
                .withMetrics(factory)
                .build();
        toClose.add(
                () -> vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
        int port = FreePorts.next();
        vertx.deployVerticle(
                        () -> new VerticleBase() {
                            @Override
                            public Future<?> start() {
                                return vertx.createHttpServer(new HttpServerOptions().setMetricsName("public"))
                                        .requestHandler(request -> {
                                            if (request.path().equals("/hang")) {
                                                return;
                                            }
                                            boolean allowed = request.method() == HttpMethod.GET
                                                    || request.method() == HttpMethod.HEAD;
                                            request.response()
                                                    .setStatusCode(allowed ? 200 : 405)
                                                    .end("ok");
                                        })
                                        .listen(port, "127.0.0.1");
                            }
                        },
                        new DeploymentOptions().setInstances(2))
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        return port;
    }

    /** Series of {@link #FAMILIES} in a scrape, as "name{labels}" to value. */
    private static Map<String, String> series(String scrape) {
        Map<String, String> series = new TreeMap<>();
        for (String line : scrape.split("\n")) {
            if (FAMILIES.stream().anyMatch(family -> line.startsWith(family + "{"))) {
                int space = line.lastIndexOf(' ');
                series.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        return series;
    }

    private static Map<String, String> withoutLatencyBuckets(Map<String, String> series) {
        Map<String, String> counts = new TreeMap<>(series);
        counts.keySet().removeIf(key -> key.startsWith("vertx_http_server_response_time_seconds_bucket"));
        return counts;
    }

    private static List<String> helpAndType(String scrape) {
        return scrape.lines()
                .filter(line -> line.startsWith("# HELP vertx_http_server_requests_total")
                        || line.startsWith("# TYPE vertx_http_server_requests_total")
                        || line.startsWith("# HELP vertx_http_server_response_time_seconds ")
                        || line.startsWith("# TYPE vertx_http_server_response_time_seconds ")
                        || line.startsWith("# HELP vertx_http_server_active_requests")
                        || line.startsWith("# TYPE vertx_http_server_active_requests"))
                .sorted()
                .toList();
    }

    /** The value of one series ("name{labels}"), NaN while it is not exported. */
    private static double value(PrometheusMeterRegistry metrics, String series) {
        return metrics.scrape()
                .lines()
                .filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElse(Double.NaN);
    }

    private static void awaitValue(DoubleSupplier read, double expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos(); // a hang, not a busy machine
        while (read.getAsDouble() != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(read.getAsDouble()).isEqualTo(expected);
    }
}
