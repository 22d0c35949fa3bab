package io.github.vertxclassifier.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientConfig;
import io.vertx.core.http.HttpServerConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.QuicEndpointConfig;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TcpClientConfig;
import io.vertx.core.net.TcpServerConfig;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TransportMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MetricsNaming;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Vert.x's metrics SPI for this service: vertx-micrometer-metrics for everything (any client, pool or
 * event-bus metrics a later verticle brings), except two things of the HTTP servers:
 * <ul>
 *   <li>the per-request meters, which {@link HttpRequestMetrics} records under the same names and labels at a
 *   fraction of the cost;</li>
 *   <li>the open-connections gauge, registered once here. vertx-micrometer-metrics 5.2 registers it again for
 *   every connection (sharing one counter), and Micrometer logs a WARNING on the second registration.</li>
 * </ul>
 */
final class ServiceMetricsFactory implements VertxMetricsFactory {

  private final MicrometerMetricsFactory library;
  private final MeterRegistry registry;
  /** Every server's request meters, by server name ("public", "management"); shared by its instances. */
  private final Map<String, HttpRequestMetrics> byServerName = new ConcurrentHashMap<>();

  ServiceMetricsFactory(MeterRegistry registry) {
    this.library = new MicrometerMetricsFactory(registry);
    this.registry = registry;
  }

  /** See {@link HttpRequestMetrics#forget}. */
  void forgetRequests() {
    byServerName.values().forEach(HttpRequestMetrics::forget);
  }

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    MetricsNaming names = ((MicrometerMetricsOptions) newOptions(options.getMetricsOptions())).getMetricsNaming();
    return new RequestMetricsOverride(library.metrics(options), names);
  }

  @Override
  public MetricsOptions newOptions() {
    return library.newOptions();
  }

  @Override
  public MetricsOptions newOptions(MetricsOptions options) {
    return library.newOptions(options);
  }

  @Override
  public MetricsOptions newOptions(JsonObject json) {
    return library.newOptions(json);
  }

  /** vertx-micrometer-metrics' {@link VertxMetrics}, with HTTP server request metrics replaced. */
  private final class RequestMetricsOverride implements VertxMetrics {
    private final VertxMetrics library;
    private final MetricsNaming names;
    private final ConnectionCount httpConnections;

    RequestMetricsOverride(VertxMetrics library, MetricsNaming names) {
      this.library = library;
      this.names = names;
      this.httpConnections = new ConnectionCount(
          MetricsDomain.HTTP_SERVER.getPrefix() + names.getNetActiveConnections(), registry);
    }

    @Override
    public HttpServerMetrics<?, ?> createHttpServerMetrics(HttpServerConfig config, SocketAddress tcpLocal,
        SocketAddress udpLocal) {
      String name = config.getObservabilityConfig() == null ? null : config.getObservabilityConfig().getMetricsName();
      // Vert.x asks once per server instance (one per event loop); all instances of a server share meters.
      return byServerName.computeIfAbsent(name == null ? "" : name,
          serverName -> new HttpRequestMetrics(registry, names, serverName));
    }

    @Override
    public TransportMetrics<?> createTcpServerMetrics(TcpServerConfig config, String protocol, SocketAddress local) {
      return "http".equals(protocol) ? httpConnections : library.createTcpServerMetrics(config, protocol, local);
    }

    @Override
    public TransportMetrics<?> createTcpClientMetrics(TcpClientConfig config, String protocol) {
      return library.createTcpClientMetrics(config, protocol);
    }

    @Override
    public TransportMetrics<?> createQuicEndpointMetrics(QuicEndpointConfig config, String protocol,
        SocketAddress local) {
      return library.createQuicEndpointMetrics(config, protocol, local);
    }

    @Override
    public HttpClientMetrics<?, ?> createHttpClientMetrics(HttpClientConfig config) {
      return library.createHttpClientMetrics(config);
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remote, String type, String namespace) {
      return library.createClientMetrics(remote, type, namespace);
    }

    @Override
    public EventBusMetrics<?> createEventBusMetrics() {
      return library.createEventBusMetrics();
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return library.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String type, String name, int maxSize) {
      return library.createPoolMetrics(type, name, maxSize);
    }

    @Override
    public void vertxCreated(Vertx vertx) {
      library.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return library.isMetricsEnabled();
    }

    @Override
    public void close() {
      library.close();
    }
  }

  /** Open connections of every HTTP server: one gauge over one counter. */
  private static final class ConnectionCount implements TransportMetrics<LongAdder> {
    private final LongAdder open = new LongAdder();

    ConnectionCount(String name, MeterRegistry registry) {
      Gauge.builder(name, open, LongAdder::doubleValue)
          .description("Number of opened connections to the server")
          .strongReference(true)
          .register(registry);
    }

    @Override
    public LongAdder connected(SocketAddress remote, String remoteName) {
      open.increment();
      return open;
    }

    @Override
    public void disconnected(LongAdder open, SocketAddress remote) {
      open.decrement();
    }
  }
}
