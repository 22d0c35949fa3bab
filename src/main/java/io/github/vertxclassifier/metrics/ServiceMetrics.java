package io.github.vertxclassifier.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The service's metrics: a Prometheus registry with every meter the service defines ({@link #prometheus()}),
 * or nothing at all ({@link #DISABLED}, for measuring what metrics cost). Meter names are a contract
 * (docs/spec.md): the dashboard, the alert rules and the tests rely on them.
 */
public interface ServiceMetrics extends AutoCloseable {

    /** Metrics off: no registry, no meters, a plain Vert.x. */
    ServiceMetrics DISABLED = new ServiceMetrics() {
        @Override
        public Vertx createVertx(VertxOptions options) {
            return Vertx.builder().with(options).build();
        }

        @Override
        public RequestMeters bindEventLoop(Thread eventLoop) {
            return RequestMeters.NONE;
        }

        @Override
        public void bindReadiness(BooleanSupplier ready) {}

        @Override
        public void forgetRequests() {}

        @Override
        public Optional<PrometheusMeterRegistry> registry() {
            return Optional.empty();
        }

        @Override
        public void close() {}
    };

    static ServiceMetrics create(boolean enabled) {
        return enabled ? prometheus() : DISABLED;
    }

    /** A new Prometheus registry with the JVM and process binders bound. */
    static ServiceMetrics prometheus() {
        return new PrometheusServiceMetrics();
    }

    /** A Vert.x whose HTTP servers are metered into this registry (or not at all). */
    Vertx createVertx(VertxOptions options);

    /**
     * Binds the meters of one classifier event loop (requests, input size, the thread's CPU time, its delay)
     * and returns what that loop records per request. Call once per loop, on that loop (a verticle's
     * {@code start}); {@code eventLoop} is the loop's thread.
     */
    RequestMeters bindEventLoop(Thread eventLoop);

    /**
     * {@code classifier_ready}: 1 while {@code ready} is true. The event-loop delay records from the first time
     * it is: start-up and warm-up keep the loops busy on purpose. Call before {@link #bindEventLoop}.
     */
    void bindReadiness(BooleanSupplier ready);

    /**
     * Drops every request recorded so far (the start-up warm-up's) from the request meters, which start again
     * from zero: the warm-up runs through the same meters, so that the JIT compiles the path as production runs
     * it, and its requests are not traffic. Call before readiness turns UP.
     */
    void forgetRequests();

    /** The registry that {@code /metrics} renders; empty when metrics are off. */
    Optional<PrometheusMeterRegistry> registry();

    @Override
    void close();
}
