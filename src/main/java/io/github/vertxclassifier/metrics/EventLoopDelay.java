package io.github.vertxclassifier.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code classifier_event_loop_delay_seconds{event_loop}}: how late a task scheduled on one event loop starts.
 * A tick runs on the loop every {@value #PERIOD_MILLIS} ms at a fixed rate and records how long after its due
 * time it started. A loop that reads and answers sockets without pause runs its due tasks only between rounds
 * of I/O, so the delay is what a request arriving at that loop waits before the loop even reads it; the
 * request latency histogram, timed from Vert.x's request start, can't see that wait.
 *
 * <p>Fixed rate: after a stall, the ticks that fell due during it all run, each recording its own lateness
 * (a 1 s stall records about 1 s, 0.9 s, ... 0.1 s), so the histogram is the delay a steady stream of arrivals
 * would have seen, and its {@code _count} grows by {@code 1000 / PERIOD_MILLIS} per second on a live loop.
 * A loop blocked for good records nothing; the liveness probe catches that one.
 *
 * <p>The tick is one Netty task that Netty re-queues itself (no allocation); it runs on its own loop and
 * records into that loop's own timer, so no two loops share anything.
 */
final class EventLoopDelay implements Runnable {

    static final String NAME = "classifier.event.loop.delay";
    static final long PERIOD_MILLIS = 100;
    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS);

    /** From a busy loop's normal sub-millisecond round to a stall; 50 ms and 100 ms are alert thresholds. */
    static final Duration[] BUCKETS = {
        Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500)
    };

    private final String name;
    private final BooleanSupplier serving;
    private Timer delay;
    /** When the next tick is due, System.nanoTime(); read and written by the loop's own thread only. */
    private long due;
    /** Whether a tick has seen the service serving, and when; the loop's own thread only. */
    private boolean served;

    private long servingSince;

    /**
     * @param serving true once the service serves. Ticks record only if they fell due after a tick saw it
     *     serve: a loop busy deploying or compiling before readiness is not a saturated loop, and a cold start
     *     can hold a loop for seconds, past the moment readiness turns on.
     */
    EventLoopDelay(Thread eventLoop, BooleanSupplier serving) {
        this.name = eventLoop.getName();
        this.serving = serving;
    }

    /** Registers the timer and starts ticking on {@code loop}, the Netty event loop of the thread it names. */
    void start(EventLoop loop, MeterRegistry registry) {
        delay = Timer.builder(NAME)
                .description("How late a task scheduled every " + PERIOD_MILLIS + " ms on the event loop starts; "
                        + "high when the loop is saturated")
                .tag(EventLoopMeters.EVENT_LOOP_TAG, name)
                .serviceLevelObjectives(BUCKETS)
                .distributionStatisticBufferLength(
                        1) // one ring slot for the _max window: each record updates every slot
                .register(registry);
        due = System.nanoTime() + PERIOD_NANOS; // at or before Netty's own deadline: a delay is never understated
        loop.scheduleAtFixedRate(this, PERIOD_NANOS, PERIOD_NANOS, TimeUnit.NANOSECONDS);
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        if (served && due - servingSince >= 0) {
            delay.record(Math.max(0, now - due), TimeUnit.NANOSECONDS);
        } else if (!served && serving.getAsBoolean()) {
            served = true;
            servingSince = now;
        }
        due += PERIOD_NANOS; // as Netty moves a fixed-rate task's deadline
    }
}
