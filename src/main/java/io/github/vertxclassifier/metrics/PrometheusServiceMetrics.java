package io.github.vertxclassifier.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.metrics.MetricsOptions;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;

/** Metrics on: one Prometheus registry for the JVM, the process, Vert.x's HTTP servers and the classifier. */
final class PrometheusServiceMetrics implements ServiceMetrics {

    static final String READY = "classifier.ready";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final ServiceMetricsFactory vertxMetrics = new ServiceMetricsFactory(registry);
    private final Collection<EventLoopMeters> eventLoops = new ConcurrentLinkedQueue<>();
    /** Whether the service serves (bindReadiness); the event-loop delay records from then on. */
    private volatile BooleanSupplier serving = () -> true;
    /** Held here: its counters hold it weakly. */
    private final CgroupMetrics cgroup = new CgroupMetrics(CgroupDirectories.ofThisProcess());

    PrometheusServiceMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new JvmCompilationMetrics().bindTo(registry);
        new ProcessMemoryMetrics().bindTo(registry);
        cgroup.bindTo(registry);
    }

    @Override
    public Vertx createVertx(VertxOptions options) {
        return Vertx.builder()
                .with(options.setMetricsOptions(new MetricsOptions().setEnabled(true)))
                .withMetrics(vertxMetrics)
                .build();
    }

    @Override
    public RequestMeters bindEventLoop(Thread eventLoop) {
        ContextInternal context = (ContextInternal) Vertx.currentContext();
        if (context == null
                || !context.nettyEventLoop().inEventLoop(eventLoop)
                || eventLoop != Thread.currentThread()) {
            throw new IllegalStateException(
                    "bindEventLoop must run on the event loop it binds, " + eventLoop.getName());
        }
        new EventLoopDelay(eventLoop, serving).start(context.nettyEventLoop(), registry);
        EventLoopMeters meters = new EventLoopMeters(eventLoop);
        meters.bindTo(registry);
        eventLoops.add(meters);
        return meters;
    }

    @Override
    public void forgetRequests() {
        vertxMetrics.forgetRequests();
        eventLoops.forEach(meters -> meters.forgetRequests(registry));
    }

    @Override
    public void bindReadiness(BooleanSupplier ready) {
        serving = ready;
        Gauge.builder(READY, ready, r -> r.getAsBoolean() ? 1 : 0)
                .description("1 while the service is ready (serving), 0 while starting or draining")
                .strongReference(
                        true) // nothing else references the supplier; a weak reference would read NaN after a GC
                .register(registry);
    }

    @Override
    public Optional<PrometheusMeterRegistry> registry() {
        return Optional.of(registry);
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
