package io.github.vertxclassifier.management;

import io.github.vertxclassifier.config.ServiceConfig;
import io.github.vertxclassifier.http.InvalidRequests;
import io.github.vertxclassifier.http.guard.ConnectionGuard;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.DateFormatter;
import io.netty.util.concurrent.EventExecutor;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The management port, on a vertx-web {@link Router}: {@code GET /metrics}, {@code /health/live},
 * {@code /health/ready}; anything else gets 404, another method 405. Its connections get the same guard as
 * the public port's, with a small connection limit of its own. Every answer carries {@code Date}. Rendering a
 * scrape, the one costly step, runs on a worker thread, so that it never stalls a classifier event loop.
 */
public final class ManagementVerticle extends VerticleBase {

    /** How long an event loop may take to answer the liveness ping before the pod counts as stuck. */
    private static final long EVENT_LOOP_PING_TIMEOUT_MS = 2_000;

    /**
     * Open connections the management port holds; beyond them a connection gets 503 with {@code Retry-After}
     * and is closed at once. Its clients need about ten: a kubelet's liveness, readiness and startup probes
     * (a new connection each, closed after the answer), an HA pair of Prometheus servers (a keep-alive
     * connection each, two while a timed-out scrape's connection closes), and a person with curl or a
     * port-forward. Sixteen leaves room for those, and bounds what idle or hostile connections can hold.
     */
    static final int MAX_CONNECTIONS = 16;

    /**
     * Pipelined requests of one connection taken in before their answers: the management port answers later (a
     * scrape renders on a worker thread), so Vert.x queues them meanwhile, and a scrape's answer is ~20 KiB.
     */
    static final int MAX_UNANSWERED = 16;

    private final ServiceConfig config;
    private final Optional<PrometheusMeterRegistry> registry;
    private final Supplier<Status> readiness;
    private final AtomicInteger openConnections = new AtomicInteger();

    /**
     * @param registry what {@code /metrics} renders; empty when metrics are off ({@code /metrics} is then 404)
     * @param readiness the readiness check's answer, asked on every {@code /health/ready}
     */
    public ManagementVerticle(
            ServiceConfig config, Optional<PrometheusMeterRegistry> registry, Supplier<Status> readiness) {
        this.config = config;
        this.registry = registry;
        this.readiness = readiness;
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        router.route().handler(ManagementVerticle::dated);
        Handler<RoutingContext> metrics = registry.<Handler<RoutingContext>>map(ManagementVerticle::scrape)
                .orElse(ctx -> plain(ctx, 404, "Metrics are disabled (METRICS_ENABLED=false)\n"));
        getOrHead(router.route("/metrics")).blockingHandler(metrics, false);
        getOrHead(router.route("/health/live"))
                .handler(noStore())
                .handler(HealthCheckHandler.createWithHealthChecks(HealthChecks.create(vertx)
                        .register("event-loops", EVENT_LOOP_PING_TIMEOUT_MS, this::eventLoopsRespond)));
        getOrHead(router.route("/health/ready"))
                .handler(noStore())
                .handler(HealthCheckHandler.createWithHealthChecks(HealthChecks.create(vertx)
                        .register("lifecycle", promise -> promise.complete(readiness.get()))));
        router.errorHandler(404, ctx -> plain(ctx, 404, "Not Found\n"));
        router.errorHandler(405, ctx -> {
            ctx.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
            plain(ctx, 405, "Method Not Allowed\n");
        });

        return vertx.createHttpServer(ConnectionGuard.serverOptions(config)
                        .setHost(config.managementHost())
                        .setPort(config.managementPort())
                        .setMetricsName("management"))
                .connectionHandler(connection -> ConnectionGuard.install(
                        connection,
                        new ConnectionGuard.Limits(
                                config.requestHeaderTimeoutSeconds(),
                                MAX_UNANSWERED,
                                openConnections,
                                MAX_CONNECTIONS)))
                .invalidRequestHandler(ManagementVerticle::invalid)
                .requestHandler(router)
                .listen();
    }

    private static Route getOrHead(Route route) {
        return route.method(HttpMethod.GET).method(HttpMethod.HEAD);
    }

    /**
     * RFC 9110 §6.6.1: an origin server with a clock sends {@code Date} in every response. Set as the head is
     * written, so the 404 and 405 of the router's error handlers carry it too. Formatted per answer: the
     * management port answers a few requests a minute.
     */
    private static void dated(RoutingContext ctx) {
        ctx.addHeadersEndHandler(end -> putDate(ctx.response()));
        ctx.next();
    }

    /** A request the decoder or the guard refused: the shared answer (400, 414, 431), dated too. */
    private static void invalid(HttpServerRequest request) {
        request.response().headersEndHandler(end -> putDate(request.response()));
        InvalidRequests.answer(request);
    }

    private static void putDate(HttpServerResponse response) {
        response.headers().set(HttpHeaders.DATE, DateFormatter.format(new Date()));
    }

    /**
     * The registry in the format the scraper's {@code Accept} asks for ({@link ExpositionNegotiation}), written
     * by the Prometheus client's writers. vertx-micrometer-metrics' {@code PrometheusScrapingHandler} (5.2.3)
     * always answers text 0.0.4 and renders on the calling event loop, so it is not used here.
     */
    private static Handler<RoutingContext> scrape(PrometheusMeterRegistry registry) {
        ExpositionNegotiation negotiation = new ExpositionNegotiation(ExpositionFormats.init());
        return ctx -> {
            ExpositionFormatWriter writer = negotiation.writerFor(ctx);
            ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
            try {
                // Written by the registry's own writers (Micrometer configures them), which the content type names.
                registry.scrape(body, writer.getContentType());
            } catch (IOException e) {
                plain(ctx, 503, "Scrape failed\n");
                return;
            }
            ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, writer.getContentType())
                    .putHeader(HttpHeaders.VARY, HttpHeaders.ACCEPT) // RFC 9110 §12.5.5: the format follows Accept
                    .end(Buffer.buffer(body.toByteArray()));
        };
    }

    private static Handler<RoutingContext> noStore() {
        return ctx -> {
            ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
            ctx.next();
        };
    }

    private static void plain(RoutingContext ctx, int status, String body) {
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
                .end(body);
    }

    /** Up when every event loop of this Vert.x runs a task within the timeout: a blocked loop fails liveness. */
    private void eventLoopsRespond(Promise<Status> promise) {
        List<Future<Void>> pings = new ArrayList<>();
        for (EventExecutor loop : ((VertxInternal) vertx).eventLoopGroup()) {
            Promise<Void> pong = Promise.promise();
            loop.execute(pong::complete);
            pings.add(pong.future());
        }
        Future.all(pings)
                .onComplete(all -> promise.tryComplete(
                        all.succeeded() ? Status.OK(new JsonObject().put("eventLoops", pings.size())) : Status.KO()));
    }
}
