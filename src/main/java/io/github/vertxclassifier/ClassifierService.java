package io.github.vertxclassifier;

import io.github.vertxclassifier.config.ServiceConfig;
import io.github.vertxclassifier.http.ClassifierVerticle;
import io.github.vertxclassifier.http.guard.ConnectionGuard;
import io.github.vertxclassifier.http.guard.GuardProbe;
import io.github.vertxclassifier.management.ManagementVerticle;
import io.github.vertxclassifier.metrics.ServiceMetrics;
import io.github.vertxclassifier.warmup.WarmUp;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.healthchecks.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The running service: one Vert.x whose event-loop pool has one loop per classifier instance,
 * {@code INSTANCES} classifier verticles sharing the public port, and the management verticle. Before readiness
 * turns UP it asks each port one question ({@link GuardProbe}: start-up fails unless the connection guard is on
 * their connections) and, with {@code WARMUP_SECONDS} above 0, drives its own public port over loopback
 * ({@link WarmUp}); then it forgets those requests in its metrics. Tests drive it as {@link Main} does:
 * {@link #start}, {@link #drainAndStop} or {@link #close}.
 */
public final class ClassifierService {

    private static final Logger LOG = Logger.getLogger(ClassifierService.class.getName());

    private final ServiceConfig config;
    private final ServiceMetrics metrics;
    private final Vertx vertx;
    private final Lifecycle lifecycle = new Lifecycle();
    private String classifierDeployment;

    private ClassifierService(ServiceConfig config) {
        this.config = config;
        this.metrics = ServiceMetrics.create(config.metricsEnabled());
        metrics.bindReadiness(lifecycle::isServing);
        this.vertx = metrics.createVertx(new VertxOptions()
                .setEventLoopPoolSize(config.instances())
                .setWorkerPoolSize(2) // management only: scrapes
                .setPreferNativeTransport(config.nativeTransport()));
    }

    /** Starts the service; readiness turns UP once every classifier instance listens. */
    public static Future<ClassifierService> start(ServiceConfig config) {
        ClassifierService service = new ClassifierService(config);
        // On failure close without waiting: a callback chained on close() would be dispatched to a closed loop.
        return service.deploy().map(service).onFailure(failure -> service.vertx.close());
    }

    private Future<Void> deploy() {
        // One count for every instance of the public port: touched per connection, never per request.
        ConnectionGuard.Limits publicLimits = new ConnectionGuard.Limits(
                config.requestHeaderTimeoutSeconds(),
                ClassifierVerticle.MAX_UNANSWERED,
                new AtomicInteger(),
                config.maxConnections());
        // Where the guard probe and the warm-up reach both ports from this host.
        WarmUp.Target target = new WarmUp.Target(
                WarmUp.loopbackFor(config.httpHost()),
                config.httpPort(),
                WarmUp.loopbackFor(config.managementHost()),
                config.managementPort());
        return vertx.deployVerticle(new ManagementVerticle(config, metrics.registry(), this::readiness))
                .compose(id -> vertx.deployVerticle(
                        () -> new ClassifierVerticle(config, lifecycle::isDraining, metrics, publicLimits),
                        new DeploymentOptions().setInstances(config.instances())))
                .compose(id -> {
                    classifierDeployment = id;
                    return GuardProbe.answered(
                            vertx,
                            List.of(
                                    SocketAddress.inetSocketAddress(target.port(), target.host()),
                                    SocketAddress.inetSocketAddress(target.managementPort(), target.managementHost())));
                })
                .compose(probed -> WarmUp.run(vertx, target, Duration.ofSeconds(config.warmupSeconds()), 0))
                .map(warmUp -> {
                    metrics.forgetRequests(); // the guard probe's and the warm-up's requests are not traffic
                    if (warmUp.requests() > 0) {
                        LOG.info(() -> "warmed up: " + warmUp);
                    }
                    lifecycle.serving();
                    LOG.info(() -> String.format(
                            "serving on %s:%d with %d classifier instance(s) (%s, %s transport), "
                                    + "management on %s:%d, metrics %s",
                            config.httpHost(),
                            config.httpPort(),
                            config.instances(),
                            config.algorithm().name().toLowerCase(),
                            transport(),
                            config.managementHost(),
                            config.managementPort(),
                            config.metricsEnabled() ? "on" : "off"));
                    return null;
                });
    }

    private Status readiness() {
        Lifecycle.State state = lifecycle.state();
        return (state == Lifecycle.State.SERVING ? Status.OK() : Status.KO())
                .setData(new JsonObject().put("state", state.name()));
    }

    /**
     * Readiness 503 at once, the public port keeps serving for the drain period, then everything closes.
     * Blocks (call it from a thread that may: a signal handler's, a test's); nothing is chained on Vert.x
     * futures once Vert.x is closing, since their callbacks would be dispatched to loops that are gone.
     */
    public void drainAndStop() throws Exception {
        lifecycle.draining();
        LOG.info(() -> "draining for " + config.shutdownDrainSeconds() + "s before closing");
        Thread.sleep(TimeUnit.SECONDS.toMillis(config.shutdownDrainSeconds()));
        await(vertx.undeploy(classifierDeployment));
        await(vertx.close());
        metrics.close();
        LOG.info("stopped");
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** Closes at once, without draining (tests). */
    public Future<Void> close() {
        return vertx.close().andThen(closed -> metrics.close());
    }

    /** Why the native transport did not load, or null when it did or was not asked for. */
    public Throwable nativeTransportUnavailable() {
        return config.nativeTransport() && !vertx.isNativeTransportEnabled()
                ? vertx.unavailableNativeTransportCause()
                : null;
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    public int httpPort() {
        return config.httpPort();
    }

    public int managementPort() {
        return config.managementPort();
    }

    private String transport() {
        return vertx.isNativeTransportEnabled() ? "native" : "NIO";
    }
}
