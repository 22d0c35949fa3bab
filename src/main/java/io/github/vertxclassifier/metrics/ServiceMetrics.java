package io.github.vertxclassifier.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * The Prometheus registry and every meter the service defines. Meter names are a contract (SPEC.md): the
 * dashboard, the alert rules and the tests rely on them.
 */
public final class ServiceMetrics implements AutoCloseable {

  /** Vert.x's HTTP server latency timer: the one Vert.x meter that gets histogram buckets. */
  static final String HTTP_SERVER_RESPONSE_TIME = "vertx.http.server.response.time";
  static final String REQUESTS = "classifier.requests";
  static final String EVENT_LOOP_CPU = "classifier.event.loop.cpu";
  static final String PATH = "classifier.path";
  static final String READY = "classifier.ready";
  static final String EVENT_LOOP_TAG = "event_loop";

  /** Vert.x's per-connection byte counters: nothing here reads them (dashboard, alerts), so they are no-ops. */
  private static final Set<String> UNUSED_VERTX_METERS = Set.of(
      "vertx.http.server.bytes.read", "vertx.http.server.bytes.written");

  /** Latency buckets, seconds: loopback answers take tens of microseconds, a saturated pod tens of ms. */
  private static final double[] LATENCY_BUCKETS_SECONDS = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  /** Path size buckets, bytes: the experiment's N = 1, 11, 101, 1001 each end a bucket. */
  private static final double[] PATH_BYTES_BUCKETS = {1, 4, 11, 32, 101, 256, 1001, 2048, 4096, 8192, 16384};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

  public ServiceMetrics() {
    registry.config()
        .meterFilter(MeterFilter.deny(id -> UNUSED_VERTX_METERS.contains(id.getName())))
        .meterFilter(histogram(HTTP_SERVER_RESPONSE_TIME, secondsToNanos(LATENCY_BUCKETS_SECONDS)))
        .meterFilter(histogram(PATH, PATH_BYTES_BUCKETS));
    new JvmMemoryMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Options for vertx-micrometer-metrics: HTTP server meters only, with bounded labels (method, status
   * code, and which server: "public" or "management"); never the path. {@link HttpRequestMetrics} puts the
   * same labels on the request meters it records in the library's place.
   */
  public static MicrometerMetricsOptions vertxOptions() {
    Set<String> disabled = EnumSet.complementOf(EnumSet.of(MetricsDomain.HTTP_SERVER)).stream()
        .map(MetricsDomain::toCategory)
        .collect(Collectors.toSet());
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(false) // bound explicitly above, once
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.SERVER_NAME))
        .setDisabledMetricsCategories(disabled);
  }

  /**
   * Vert.x's metrics SPI on this registry: vertx-micrometer-metrics, with the per-request HTTP server meters
   * recorded by {@link HttpRequestMetrics}.
   */
  public VertxMetricsFactory vertxMetricsFactory() {
    return new ServiceMetricsFactory(registry);
  }

  /** {@code classifier_ready}: 1 while /health/ready answers 200, 0 while starting or draining. */
  public void readiness(BooleanSupplier ready) {
    Gauge.builder(READY, ready, r -> r.getAsBoolean() ? 1 : 0)
        .description("1 while the service is ready (serving), 0 while starting or draining")
        .strongReference(true) // the supplier is referenced by nothing else; a weak reference would read NaN after a GC
        .register(registry);
  }

  /**
   * Meters for the event loop of the calling thread: its request counter, its input-size histogram and
   * its CPU time. Each loop owns its meters, so recording never contends across cores.
   */
  public RequestMeters forCurrentEventLoop() {
    Thread loop = Thread.currentThread();
    String name = loop.getName();
    long threadId = loop.getId();
    FunctionCounter.builder(EVENT_LOOP_CPU, threads, mx -> Math.max(0, mx.getThreadCpuTime(threadId)) / 1e9)
        .description("CPU time used by the event-loop thread; rate() is how busy that core's loop is")
        .baseUnit("seconds")
        .tag(EVENT_LOOP_TAG, name)
        .register(registry);
    Counter requests = Counter.builder(REQUESTS)
        .description("Requests answered on the public port, per event loop")
        .tag(EVENT_LOOP_TAG, name)
        .register(registry);
    DistributionSummary pathBytes = DistributionSummary.builder(PATH)
        .description("Size N of the classified request path")
        .baseUnit("bytes")
        .tag(EVENT_LOOP_TAG, name)
        .register(registry);
    return new MicrometerRequestMeters(requests, pathBytes);
  }

  @Override
  public void close() {
    gcMetrics.close();
    registry.close();
  }

  private static MeterFilter histogram(String meterName, double[] buckets) {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (!id.getName().equals(meterName)) {
          return config;
        }
        return DistributionStatisticConfig.builder()
            .serviceLevelObjectives(buckets)
            // One ring slot for the _max window instead of three: each record updates every slot.
            .bufferLength(1)
            .build()
            .merge(config);
      }
    };
  }

  private static double[] secondsToNanos(double[] seconds) {
    double[] nanos = new double[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      nanos[i] = seconds[i] * 1e9;
    }
    return nanos;
  }

  private record MicrometerRequestMeters(Counter requests, DistributionSummary pathBytes) implements RequestMeters {
    @Override
    public void classified(int pathBytes) {
      requests.increment();
      this.pathBytes.record(pathBytes);
    }

    @Override
    public void rejected() {
      requests.increment();
    }
  }
}
