package io.github.vertxclassifier.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The meters of one classifier event loop, tagged with its thread's name: its request counter, its input-size
 * histogram and its thread's CPU time. Each loop records into its own meters, so recording never contends
 * across cores.
 */
final class EventLoopMeters implements MeterBinder, RequestMeters {

    static final String REQUESTS = "classifier.requests";
    static final String EVENT_LOOP_CPU = "classifier.event.loop.cpu";
    static final String PATH = "classifier.path";
    static final String EVENT_LOOP_TAG = "event_loop";

    /** Path size buckets, bytes: the experiment's N = 1, 11, 101, 1001 each end a bucket. */
    private static final double[] PATH_BYTES_BUCKETS = {1, 4, 11, 32, 101, 256, 1001, 2048, 4096, 8192, 16384};

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final String name;
    private final long threadId;
    // Volatile: forgetRequests() replaces them from another thread, before readiness.
    private volatile Counter requests;
    private volatile DistributionSummary pathBytes;

    EventLoopMeters(Thread eventLoop) {
        this.name = eventLoop.getName();
        this.threadId = eventLoop.getId();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        long thread = threadId;
        FunctionCounter.builder(EVENT_LOOP_CPU, THREADS, mx -> Math.max(0, mx.getThreadCpuTime(thread)) / 1e9)
                .description("CPU time used by the event-loop thread; rate() is how busy that core's loop is")
                .baseUnit("seconds")
                .tag(EVENT_LOOP_TAG, name)
                .register(registry);
        bindRequestMeters(registry);
    }

    /** Replaces the request meters with new ones at zero (see ServiceMetrics#forgetRequests). */
    void forgetRequests(MeterRegistry registry) {
        registry.remove(requests);
        registry.remove(pathBytes);
        bindRequestMeters(registry);
    }

    private void bindRequestMeters(MeterRegistry registry) {
        requests = Counter.builder(REQUESTS)
                .description("Requests answered on the public port, per event loop")
                .tag(EVENT_LOOP_TAG, name)
                .register(registry);
        pathBytes = DistributionSummary.builder(PATH)
                .description("Size N of the classified request path")
                .baseUnit("bytes")
                .tag(EVENT_LOOP_TAG, name)
                .serviceLevelObjectives(PATH_BYTES_BUCKETS)
                .distributionStatisticBufferLength(
                        1) // one ring slot for the _max window: each record updates every slot
                .register(registry);
    }

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
