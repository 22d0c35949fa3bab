package io.github.vertxclassifier.metrics;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MetricsNaming;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The request meters of one HTTP server, as vertx-micrometer-metrics defines them (its names, its
 * {@code method}/{@code code}/{@code server_name} labels, its help texts), with three differences:
 * <ul>
 *   <li>each meter is looked up once per label set and then held, instead of by tags on every request.
 *   vertx-micrometer-metrics 5.2 does four tag lookups and a gauge re-registration per request, which cost
 *   about a tenth of a core's throughput at N=11 (docs/bench/metrics-overhead);</li>
 *   <li>a method Vert.x does not know is labelled {@value #OTHER_METHOD} (OpenTelemetry's convention), so a
 *   client inventing methods can't create series, in this registry or in Prometheus, without bound;</li>
 *   <li>the latency histogram's buckets are set on the timer's builder, not by a filter matching its name.</li>
 * </ul>
 * One instance per server name, shared by every event loop serving it; lookups are lock-free.
 *
 * <p>This class can go, and {@link ServiceMetricsFactory} with it, once vertx-micrometer-metrics holds its
 * request meters per label set (or caches {@code MeterProvider.withTags} results) and bounds unknown methods;
 * {@code bench/metrics-overhead} with {@code BASELINE_JAR} measures whether a new release does.
 */
final class HttpRequestMetrics implements HttpServerMetrics<HttpRequestMetrics.InFlight, Void> {

    static final String OTHER_METHOD = "_OTHER";

    private static final List<HttpMethod> KNOWN_METHODS = HttpMethod.values();
    private static final Map<HttpMethod, Integer> METHOD_INDEX = new HashMap<>();
    private static final int OTHER_INDEX = KNOWN_METHODS.size();
    private static final int GET_INDEX;

    static {
        for (int i = 0; i < KNOWN_METHODS.size(); i++) {
            METHOD_INDEX.put(KNOWN_METHODS.get(i), i);
        }
        GET_INDEX = METHOD_INDEX.get(HttpMethod.GET);
    }

    /** Latency buckets: loopback answers take tens of microseconds, a saturated pod tens of milliseconds. */
    static final Duration[] LATENCY_BUCKETS = {
        Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
        Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10)
    };

    /** Status codes 100..599 have held meters; any other code is looked up per response (never sent here). */
    private static final int FIRST_CODE = 100;

    private static final int CODES = 500;

    private final MeterRegistry registry;
    private final Clock clock;
    private final Tags server;
    private final String requestsName;
    private final String responseTimeName;
    private final String activeRequestsName;
    private final String resetsName;
    /** Slot {@code method * CODES + code - FIRST_CODE}; filled on first use. */
    private final AtomicReferenceArray<ResponseMeters> responseMetersBySlot =
            new AtomicReferenceArray<>((KNOWN_METHODS.size() + 1) * CODES);

    private final AtomicReferenceArray<LongAdder> activeByMethod = new AtomicReferenceArray<>(KNOWN_METHODS.size() + 1);

    HttpRequestMetrics(MeterRegistry registry, MetricsNaming names, String serverName) {
        this.registry = registry;
        this.clock = registry.config().clock();
        this.server = Tags.of(Label.SERVER_NAME.toString(), serverName);
        String prefix = MetricsDomain.HTTP_SERVER.getPrefix();
        this.requestsName = prefix + names.getHttpRequestsCount();
        this.responseTimeName = prefix + names.getHttpResponseTime();
        this.activeRequestsName = prefix + names.getHttpActiveRequests();
        this.resetsName = prefix + names.getHttpRequestResetsCount();
    }

    /**
     * What Vert.x hands back for one request: its method's index and when it began. One small object per
     * request, because the start time must travel with the request (a pipelining client can have several in
     * flight on one connection).
     */
    static final class InFlight {
        final int method;
        final long startNanos;
        boolean ended;

        InFlight(int method, long startNanos) {
            this.method = method;
            this.startNanos = startNanos;
        }
    }

    private record ResponseMeters(Counter requests, Timer responseTime) {}

    @Override
    public InFlight requestBegin(SocketAddress remote, HttpRequest request) {
        int method = methodIndex(request.method());
        active(method).increment();
        return new InFlight(method, clock.monotonicTime());
    }

    @Override
    public void responseEnd(InFlight request, HttpResponse response, long bytesWritten) {
        long nanos = clock.monotonicTime() - request.startNanos;
        ResponseMeters meters = responseMeters(request.method, response.statusCode());
        meters.requests.increment();
        meters.responseTime.record(nanos, TimeUnit.NANOSECONDS);
        end(request);
    }

    @Override
    public void requestReset(InFlight request) {
        // Rare (a client gone mid-request): looked up each time.
        Counter.builder(resetsName)
                .description("Number of request resets")
                .tags(methodTags(request.method))
                .register(registry)
                .increment();
        end(request);
    }

    private void end(InFlight request) {
        if (!request.ended) {
            request.ended = true;
            active(request.method).decrement();
        }
    }

    /**
     * Replaces the request meters recorded so far (the warm-up's) with new ones at zero, registered at once: the
     * series stay in the scrape (a counter that appears at 1 loses its first increment in Prometheus'
     * {@code increase()}), and the first real request finds its meters held, with no registration on its path.
     */
    void forget() {
        for (int slot = 0; slot < responseMetersBySlot.length(); slot++) {
            ResponseMeters meters = responseMetersBySlot.get(slot);
            if (meters != null) {
                registry.remove(meters.requests());
                registry.remove(meters.responseTime());
                responseMetersBySlot.set(slot, createResponseMeters(slot / CODES, slot % CODES + FIRST_CODE));
            }
        }
    }

    private static int methodIndex(HttpMethod method) {
        if (method == HttpMethod.GET) {
            return GET_INDEX;
        }
        Integer index = method == null ? null : METHOD_INDEX.get(method);
        return index == null ? OTHER_INDEX : index;
    }

    private Tags methodTags(int method) {
        String name =
                method == OTHER_INDEX ? OTHER_METHOD : KNOWN_METHODS.get(method).name();
        return server.and(Label.HTTP_METHOD.toString(), name);
    }

    private ResponseMeters responseMeters(int method, int code) {
        if (code < FIRST_CODE || code >= FIRST_CODE + CODES) {
            return createResponseMeters(method, code);
        }
        int slot = method * CODES + code - FIRST_CODE;
        ResponseMeters meters = responseMetersBySlot.get(slot);
        if (meters == null) {
            // Two loops racing here get the same meters from the registry; either write is correct.
            meters = createResponseMeters(method, code);
            responseMetersBySlot.set(slot, meters);
        }
        return meters;
    }

    private ResponseMeters createResponseMeters(int method, int code) {
        Tags tags = methodTags(method).and(Label.HTTP_CODE.toString(), Integer.toString(code));
        return new ResponseMeters(
                Counter.builder(requestsName)
                        .description("Number of processed requests")
                        .tags(tags)
                        .register(registry),
                Timer.builder(responseTimeName)
                        .description("Request processing time")
                        .tags(tags)
                        .serviceLevelObjectives(LATENCY_BUCKETS)
                        .distributionStatisticBufferLength(
                                1) // one ring slot for the _max window: each record updates every slot
                        .register(registry));
    }

    private LongAdder active(int method) {
        LongAdder adder = activeByMethod.get(method);
        if (adder != null) {
            return adder;
        }
        LongAdder created = new LongAdder();
        // Only the adder that wins the slot is registered: the gauge must read the one every loop updates.
        if (activeByMethod.compareAndSet(method, null, created)) {
            Gauge.builder(activeRequestsName, created, LongAdder::doubleValue)
                    .description("Number of requests being processed")
                    .tags(methodTags(method))
                    .strongReference(true)
                    .register(registry);
            return created;
        }
        return activeByMethod.get(method);
    }
}
