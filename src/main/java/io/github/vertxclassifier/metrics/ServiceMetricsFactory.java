package io.github.vertxclassifier.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerConfig;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TcpServerConfig;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.TransportMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MetricsNaming;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Vert.x's metrics SPI for this service: the HTTP servers' meters and nothing else. Every other kind of metrics
 * (clients, pools, the event bus, datagrams) keeps {@link VertxMetrics}' defaults, which record nothing. The
 * names, labels and help texts are vertx-micrometer-metrics' defaults
 * ({@link MicrometerMetricsOptions#DEFAULT_METRICS_NAMING}):
 * <ul>
 *   <li>the per-request meters, by {@link HttpRequestMetrics}, at a fraction of the library's cost;</li>
 *   <li>the open-connections gauge, registered once here. vertx-micrometer-metrics 5.2 registers it again for
 *   every connection (sharing one counter), and Micrometer logs a WARNING on the second registration.</li>
 * </ul>
 */
final class ServiceMetricsFactory implements VertxMetricsFactory {

    private static final MetricsNaming NAMES = MicrometerMetricsOptions.DEFAULT_METRICS_NAMING;

    private final MeterRegistry registry;
    /** Every server's request meters, by server name ("public", "management"); shared by its instances. */
    private final Map<String, HttpRequestMetrics> byServerName = new ConcurrentHashMap<>();

    ServiceMetricsFactory(MeterRegistry registry) {
        this.registry = registry;
    }

    /** See {@link HttpRequestMetrics#forget}. */
    void forgetRequests() {
        byServerName.values().forEach(HttpRequestMetrics::forget);
    }

    @Override
    public VertxMetrics metrics(VertxOptions options) {
        return new HttpServersOnly();
    }

    private final class HttpServersOnly implements VertxMetrics {
        private final ConnectionCount httpConnections =
                new ConnectionCount(MetricsDomain.HTTP_SERVER.getPrefix() + NAMES.getNetActiveConnections(), registry);

        @Override
        public HttpServerMetrics<?, ?> createHttpServerMetrics(
                HttpServerConfig config, SocketAddress tcpLocal, SocketAddress udpLocal) {
            String name = config.getObservabilityConfig() == null
                    ? null
                    : config.getObservabilityConfig().getMetricsName();
            // Vert.x asks once per server instance (one per event loop); all instances of a server share meters.
            return byServerName.computeIfAbsent(
                    name == null ? "" : name, serverName -> new HttpRequestMetrics(registry, NAMES, serverName));
        }

        @Override
        public boolean isMetricsEnabled() {
            return true;
        }

        @Override
        public TransportMetrics<?> createTcpServerMetrics(
                TcpServerConfig config, String protocol, SocketAddress local) {
            return "http".equals(protocol) ? httpConnections : null;
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
