package io.github.vertxclassifier.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code classifier_event_loop_delay_seconds}: a loop kept busy shows its delay under its own tag, and the
 * other loop keeps ticking with a small delay meanwhile. Waits are for events (ticks recorded, the block
 * done); the only time bounds are lower bounds, plus one generous upper bound on the idle loop.
 */
class EventLoopDelayTest {

    private static final long BLOCK_MILLIS = 400;

    private final ServiceMetrics metrics = ServiceMetrics.prometheus();
    private final MeterRegistry registry = metrics.registry().orElseThrow();
    private final Map<String, Context> loops = new ConcurrentHashMap<>();
    private Vertx vertx;

    @BeforeEach
    void twoLoopsEachBound() throws Exception {
        vertx = metrics.createVertx(new VertxOptions().setEventLoopPoolSize(2));
        vertx.deployVerticle(
                        () -> new VerticleBase() {
                            @Override
                            public Future<?> start() {
                                metrics.bindEventLoop(Thread.currentThread());
                                loops.put(Thread.currentThread().getName(), context);
                                return Future.succeededFuture();
                            }
                        },
                        new DeploymentOptions().setInstances(2))
                .await(30, TimeUnit.SECONDS);
        assertThat(loops).hasSize(2);
        for (String loop : loops.keySet()) {
            await(() -> delay(loop).count() >= 1);
        }
    }

    @AfterEach
    void close() throws Exception {
        vertx.close().await(30, TimeUnit.SECONDS);
        metrics.close();
    }

    @Test
    void aBlockedLoopShowsItsDelayUnderItsOwnTagWhileTheOtherKeepsTicking() throws Exception {
        List<String> names = new ArrayList<>(loops.keySet());
        String blocked = names.get(0);
        String idle = names.get(1);
        long idleTicksBefore = delay(idle).count();

        CompletableFuture<Void> unblocked = new CompletableFuture<>();
        loops.get(blocked).runOnContext(v -> {
            long start = System.nanoTime();
            // Busy for at least BLOCK_MILLIS, and until the other loop has ticked three times meanwhile.
            while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(BLOCK_MILLIS)
                    || delay(idle).count() < idleTicksBefore + 3) {
                Thread.onSpinWait();
            }
            unblocked.complete(null);
        });
        unblocked.get(60, TimeUnit.SECONDS);

        // A tick falls due within one period of the block's start and runs only after it.
        double atLeast = (BLOCK_MILLIS - EventLoopDelay.PERIOD_MILLIS) / 1000.0;
        await(() -> delay(blocked).max(TimeUnit.SECONDS) >= atLeast);
        assertThat(delay(idle).count()).isGreaterThanOrEqualTo(idleTicksBefore + 3);
        assertThat(delay(idle).max(TimeUnit.SECONDS))
                .as("idle loop's largest delay, s")
                .isLessThan(atLeast);

        String scrape = metrics.registry().orElseThrow().scrape();
        assertThat(scrape)
                .contains("classifier_event_loop_delay_seconds_bucket{event_loop=\"" + blocked + "\",le=\"0.25\"}")
                .contains("classifier_event_loop_delay_seconds_count{event_loop=\"" + idle + "\"}")
                .contains("classifier_event_loop_delay_seconds_max{event_loop=\"" + blocked + "\"}");
    }

    @Test
    void recordsOnlyTicksDueOnceTheServiceServes() throws Exception {
        ServiceMetrics starting = ServiceMetrics.prometheus();
        AtomicInteger asked = new AtomicInteger();
        AtomicBoolean serving = new AtomicBoolean();
        starting.bindReadiness(() -> {
            asked.incrementAndGet();
            return serving.get();
        });
        Vertx other = starting.createVertx(new VertxOptions().setEventLoopPoolSize(1));
        try {
            CompletableFuture<Context> bound = new CompletableFuture<>();
            other.deployVerticle(new VerticleBase() {
                        @Override
                        public Future<?> start() {
                            starting.bindEventLoop(Thread.currentThread());
                            bound.complete(context);
                            return Future.succeededFuture();
                        }
                    })
                    .await(30, TimeUnit.SECONDS);
            Timer delay =
                    starting.registry().orElseThrow().get(EventLoopDelay.NAME).timer();
            await(() -> asked.get() >= 3); // three ticks ran
            assertThat(delay.count()).isZero();

            // A start-up that holds the loop past the moment readiness turns on: its late ticks are not recorded.
            CompletableFuture<Void> unblocked = new CompletableFuture<>();
            bound.get().runOnContext(v -> {
                long start = System.nanoTime();
                while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(BLOCK_MILLIS)) {
                    Thread.onSpinWait();
                }
                serving.set(true);
                unblocked.complete(null);
            });
            unblocked.get(60, TimeUnit.SECONDS);
            await(() -> delay.count() >= 3);
            assertThat(delay.max(TimeUnit.SECONDS)).isLessThan((BLOCK_MILLIS - EventLoopDelay.PERIOD_MILLIS) / 1000.0);
            int askedOnceServing = asked.get();
            await(() -> delay.count() >= 5);
            assertThat(asked.get())
                    .as("readiness asked only until a tick sees it")
                    .isEqualTo(askedOnceServing);
        } finally {
            other.close().await(30, TimeUnit.SECONDS);
            starting.close();
        }
    }

    @Test
    void bindingOffTheLoopIsRefused() {
        assertThatThrownBy(() -> metrics.bindEventLoop(Thread.currentThread()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("must run on the event loop");
    }

    private Timer delay(String loop) {
        return registry.get(EventLoopDelay.NAME)
                .tag(EventLoopMeters.EVENT_LOOP_TAG, loop)
                .timer();
    }

    /** Polls {@code condition} until it holds; fails after a minute (a hang, not a slow machine). */
    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime())
                    .as("condition not met within a minute")
                    .isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
