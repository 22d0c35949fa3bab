package io.github.vertxclassifier.management;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.github.vertxclassifier.config.ServiceConfig;
import io.github.vertxclassifier.http.ConnectionGuard;
import io.github.vertxclassifier.http.InvalidRequests;
import java.util.Collection;
import java.util.List;

/**
 * The management port: {@code GET /metrics}, {@code /health/live}, {@code /health/ready}. It runs on an
 * event loop like every HTTP server here (so its connections get the same guard at once); rendering a
 * scrape, the one costly step, runs on a worker thread so that it never stalls a classifier loop.
 */
public final class ManagementVerticle extends VerticleBase {

  /** How long an event loop may take to answer the liveness ping before the pod counts as stuck. */
  private static final long EVENT_LOOP_PING_TIMEOUT_MS = 2_000;
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final ServiceConfig config;
  private final Lifecycle lifecycle;
  private final PrometheusMeterRegistry registry; // null when metrics are off
  private final Collection<Context> eventLoops;
  private HttpServer server;

  public ManagementVerticle(ServiceConfig config, Lifecycle lifecycle, PrometheusMeterRegistry registry,
      Collection<Context> eventLoops) {
    this.config = config;
    this.lifecycle = lifecycle;
    this.registry = registry;
    this.eventLoops = eventLoops;
  }

  @Override
  public Future<?> start() {
    HealthChecks liveness = HealthChecks.create(vertx)
        .register("event-loops", EVENT_LOOP_PING_TIMEOUT_MS, this::eventLoopsRespond);
    HealthChecks readiness = HealthChecks.create(vertx)
        .register("lifecycle", promise -> promise.complete(lifecycleStatus()));

    server = vertx.createHttpServer(ConnectionGuard.serverOptions(config)
            .setHost(config.managementHost())
            .setPort(config.managementPort())
            .setMetricsName("management"))
        .connectionHandler(connection -> ConnectionGuard.install(connection,
            ConnectionGuard.Limits.headerTimeoutOnly(config.requestHeaderTimeoutSeconds())))
        .invalidRequestHandler(InvalidRequests::answer)
        .requestHandler(request -> route(request, liveness, readiness));
    return server.listen();
  }

  public int actualPort() {
    return server.actualPort();
  }

  private void route(HttpServerRequest request, HealthChecks liveness, HealthChecks readiness) {
    String path = request.path();
    boolean known = path.equals("/metrics") || path.equals("/health/live") || path.equals("/health/ready");
    if (!known) {
      plain(request, 404, "Not Found\n");
    } else if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
      plain(request, 405, "Method Not Allowed\n");
    } else if (path.equals("/metrics")) {
      if (registry == null) {
        plain(request, 404, "Metrics are disabled (METRICS_ENABLED=false)\n");
      } else {
        vertx.executeBlocking(registry::scrape).onComplete(scrape -> {
          if (scrape.succeeded()) {
            request.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(scrape.result());
          } else {
            plain(request, 503, "Scrape failed\n");
          }
        });
      }
    } else {
      HealthChecks checks = path.equals("/health/live") ? liveness : readiness;
      checks.checkStatus().onComplete(result -> health(request, result.succeeded() ? result.result() : null));
    }
  }

  private static void health(HttpServerRequest request, CheckResult result) {
    boolean up = result != null && result.getUp();
    String body = result == null ? "{\"status\":\"DOWN\"}" : result.toJson().encode();
    request.response()
        .setStatusCode(up ? 200 : 503)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body + "\n");
  }

  private static void plain(HttpServerRequest request, int status, String body) {
    request.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
        .end(body);
  }

  private Status lifecycleStatus() {
    Lifecycle.State state = lifecycle.state();
    Status status = state == Lifecycle.State.SERVING ? Status.OK() : Status.KO();
    return status.setData(new io.vertx.core.json.JsonObject().put("state", state.name()));
  }

  /** Up when every classifier event loop runs a task within the timeout: a blocked loop fails liveness. */
  private void eventLoopsRespond(Promise<Status> promise) {
    List<Future<Void>> pings = eventLoops.stream().map(context -> {
      Promise<Void> pong = Promise.promise();
      context.runOnContext(v -> pong.complete());
      return pong.future();
    }).toList();
    Future.all(pings).onComplete(all -> promise.tryComplete(all.succeeded()
        ? Status.OK(new io.vertx.core.json.JsonObject().put("eventLoops", pings.size()))
        : Status.KO()));
  }
}
