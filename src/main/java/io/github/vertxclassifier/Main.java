package io.github.vertxclassifier;

import io.github.vertxclassifier.config.ConfigLoader;
import io.github.vertxclassifier.config.ServiceConfig;
import io.github.vertxclassifier.http.ClassifierVerticle;
import io.github.vertxclassifier.http.ConnectionGuard;
import io.github.vertxclassifier.management.Lifecycle;
import io.github.vertxclassifier.management.ManagementVerticle;
import io.github.vertxclassifier.metrics.RequestMeters;
import io.github.vertxclassifier.metrics.ServiceMetrics;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Logger;
import sun.misc.Signal;

/**
 * Wires configuration, metrics and deployment: one Vert.x instance whose event-loop pool has one loop per
 * classifier instance, {@code INSTANCES} classifier verticles on the public port, and a management verticle
 * whose scrapes run on a worker thread. SIGTERM drains and exits 0.
 */
public final class Main {

  static {
    // One line per log record, before any logger exists.
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s - %5$s%6$s%n");
  }

  private static final Logger LOG = Logger.getLogger(Main.class.getName());

  /** Exit status for configuration that can't be used. */
  static final int EXIT_BAD_CONFIG = 2;
  static final int EXIT_START_FAILED = 1;

  private final ServiceConfig config;
  private final Vertx vertx;
  private final ServiceMetrics metrics;
  private final Lifecycle lifecycle = new Lifecycle();
  private final Collection<Context> eventLoops = new ConcurrentLinkedQueue<>();
  private ManagementVerticle management;
  private String classifierDeployment;

  private Main(ServiceConfig config) {
    this.config = config;
    this.metrics = config.metricsEnabled() ? new ServiceMetrics() : null;
    if (metrics != null) {
      metrics.readiness(lifecycle::isServing);
    }
    VertxOptions options = new VertxOptions()
        .setEventLoopPoolSize(config.instances())
        .setWorkerPoolSize(2) // management only: scrapes and health checks
        .setPreferNativeTransport(config.nativeTransport());
    this.vertx = metrics == null
        ? Vertx.builder().with(options).build()
        : Vertx.builder().with(options.setMetricsOptions(ServiceMetrics.vertxOptions()))
            .withMetrics(metrics.vertxMetricsFactory())
            .build();
  }

  /** Starts the service; readiness turns UP once every classifier instance listens. */
  public static Future<Main> start(ServiceConfig config) {
    Main main = new Main(config);
    // On failure close without waiting: a callback chained on close() would be dispatched to a closed loop.
    return main.deploy().map(main).onFailure(failure -> main.vertx.close());
  }

  private Future<Void> deploy() {
    Supplier<RequestMeters> meters = metrics == null ? () -> RequestMeters.NONE : metrics::forCurrentEventLoop;
    // One count for every instance of the public port: touched per connection, never per request.
    ConnectionGuard.Limits publicLimits = new ConnectionGuard.Limits(
        config.requestHeaderTimeoutSeconds(), new AtomicInteger(), config.maxConnections());
    management = new ManagementVerticle(config, lifecycle, metrics == null ? null : metrics.registry(), eventLoops);
    return vertx.deployVerticle(management)
        .compose(id -> vertx.deployVerticle(() -> new ClassifierVerticle(config, lifecycle, meters, eventLoops, publicLimits),
            new DeploymentOptions().setInstances(config.instances())))
        .map(id -> {
          classifierDeployment = id;
          lifecycle.serving();
          LOG.info(() -> String.format("serving on %s:%d with %d classifier instance(s) (%s, %s transport), "
                  + "management on %s:%d, metrics %s", config.httpHost(), config.httpPort(), config.instances(),
              config.algorithm().name().toLowerCase(), transport(), config.managementHost(), management.actualPort(),
              metrics == null ? "off" : "on"));
          return null;
        });
  }

  /**
   * Readiness 503 at once, the public port keeps serving for the drain period, then everything closes.
   * Runs on the signal's own thread, which may block; nothing is chained on Vert.x futures once Vert.x
   * is closing, since their callbacks would be dispatched to loops that are gone.
   */
  void drainAndStop() throws Exception {
    lifecycle.draining();
    LOG.info(() -> "draining for " + config.shutdownDrainSeconds() + "s before closing");
    Thread.sleep(TimeUnit.SECONDS.toMillis(config.shutdownDrainSeconds()));
    await(vertx.undeploy(classifierDeployment));
    await(vertx.close());
    if (metrics != null) {
      metrics.close();
    }
    LOG.info("stopped");
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Closes at once, without draining (tests). */
  public Future<Void> close() {
    return vertx.close();
  }

  public ServiceConfig config() {
    return config;
  }

  public int managementPort() {
    return management.actualPort();
  }

  public int httpPort() {
    return config.httpPort();
  }

  public Lifecycle lifecycle() {
    return lifecycle;
  }

  private String transport() {
    return vertx.isNativeTransportEnabled() ? "native" : "NIO";
  }

  public static void main(String[] args) {
    int processors = Runtime.getRuntime().availableProcessors();
    ServiceConfig config;
    Vertx bootstrap = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    try {
      config = ConfigLoader.load(bootstrap, ConfigLoader.configFile(), processors)
          .toCompletionStage().toCompletableFuture().join();
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.err.println("vertx-classifier: invalid configuration: " + cause.getMessage());
      System.exit(EXIT_BAD_CONFIG);
      return;
    } finally {
      bootstrap.close();
    }

    Main main;
    try {
      main = start(config).toCompletionStage().toCompletableFuture().join();
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.err.println("vertx-classifier: cannot start: " + cause.getMessage());
      System.exit(EXIT_START_FAILED);
      return;
    }
    if (!config.nativeTransport() || main.vertx.isNativeTransportEnabled()) {
      LOG.fine("transport as configured");
    } else {
      LOG.warning(() -> "native transport unavailable, using NIO: " + main.vertx.unavailableNativeTransportCause());
    }

    // A handler of our own rather than a shutdown hook: hooks can't choose the exit status (143 for TERM).
    AtomicBoolean stopping = new AtomicBoolean();
    sun.misc.SignalHandler stop = signal -> {
      if (stopping.compareAndSet(false, true)) {
        int status = 0;
        try {
          main.drainAndStop();
        } catch (Exception e) {
          System.err.println("vertx-classifier: unclean stop: " + e);
          status = 1;
        }
        System.exit(status);
      }
    };
    Signal.handle(new Signal("TERM"), stop);
    Signal.handle(new Signal("INT"), stop);
  }
}
