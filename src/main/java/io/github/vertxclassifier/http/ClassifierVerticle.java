package io.github.vertxclassifier.http;

import io.github.vertxclassifier.classifier.ClassificationText;
import io.github.vertxclassifier.classifier.SiteClassifier;
import io.github.vertxclassifier.config.ServiceConfig;
import io.github.vertxclassifier.http.guard.ConnectionGuard;
import io.github.vertxclassifier.metrics.RequestMeters;
import io.github.vertxclassifier.metrics.ServiceMetrics;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * The public port on one event loop: every path is classifier input. Deployed once per core; Vert.x spreads
 * the connections of the shared port across the instances, each on its own event loop.
 *
 * <p>The request path runs on the event loop only and takes no locks. Header values are preallocated, the Date
 * header is refreshed once a second by a timer on the same loop, and the last body is reused while the counts
 * repeat (the scan itself always runs); what is left to allocate per request is Vert.x's request and response
 * objects and, with metrics on, one small record of the request's start (see metrics/HttpRequestMetrics).
 *
 * <p>A plain request handler, not a vertx-web Router: measured on a quiet machine, the Router's per-request
 * routing cost 3.7% of the requests per CPU-second at N=11 (0.963, median of 12 paired rounds, metrics on;
 * about 2% at N=1001 and in earlier, disturbed runs; docs/bench/router), above the 3% the project allows for
 * it. The management port, where a few requests a minute arrive, uses one.
 */
public final class ClassifierVerticle extends VerticleBase implements Handler<HttpServerRequest> {

    /**
     * Pipelined requests of one connection taken in at a time (the guard's back-pressure). This port answers each
     * request as it is decoded, so the limit only cuts a read into batches, and an answer is a few hundred bytes
     * (~40 KiB for a batch, on top of the write buffer's high-water mark). 128, not 16: each cut costs about one
     * request's work, and with 16, clients pipelining 64 deep lost 5.5% of the requests per CPU-second
     * (docs/bench/backpressure).
     */
    public static final int MAX_UNANSWERED = 128;

    private static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain");
    private static final CharSequence ALLOWED_METHODS = HttpHeaders.createOptimized("GET, HEAD");
    private static final Buffer METHOD_NOT_ALLOWED = Buffer.buffer("Method Not Allowed\n");
    private static final CharSequence METHOD_NOT_ALLOWED_LENGTH = length(METHOD_NOT_ALLOWED);
    private static final Buffer BAD_TARGET = Buffer.buffer("Bad Request: the request-target is not a path\n");
    private static final CharSequence BAD_TARGET_LENGTH = length(BAD_TARGET);

    /** RFC 9110 IMF-fixdate (two-digit day, unlike RFC_1123_DATE_TIME). */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH);

    private final ServiceConfig config;
    private final BooleanSupplier draining;
    private final SiteClassifier classifier;
    private final ServiceMetrics metrics;
    private final ConnectionGuard.Limits connectionLimits;

    private RequestMeters meters;
    private CharSequence date;

    // The last answer of this event loop, reused while the counts repeat.
    private final int[] counts = new int[SiteClassifier.SITE_COUNT];
    private final int[] lastCounts = new int[SiteClassifier.SITE_COUNT];
    private int lastTotal = -1;
    private Buffer lastBody;
    private CharSequence lastLength;

    /**
     * @param draining true once the service drains: answers then close their connections
     * @param connectionLimits shared by every instance on the public port
     */
    public ClassifierVerticle(
            ServiceConfig config,
            BooleanSupplier draining,
            ServiceMetrics metrics,
            ConnectionGuard.Limits connectionLimits) {
        this.config = config;
        this.draining = draining;
        this.classifier = SiteClassifier.create(config.algorithm());
        this.metrics = metrics;
        this.connectionLimits = connectionLimits;
    }

    @Override
    public Future<?> start() {
        meters = metrics.bindEventLoop(Thread.currentThread()); // start() runs on this verticle's event loop
        date = httpDate();
        vertx.setPeriodic(1000, id -> date = httpDate());
        // The instances share one port: Vert.x spreads its connections across them. Handlers touch a connection
        // from its own loop only, so Vert.x may skip its thread checks (strict thread mode).
        return vertx.createHttpServer(ConnectionGuard.serverOptions(config)
                        .setHost(config.httpHost())
                        .setPort(config.httpPort())
                        .setMetricsName("public")
                        .setStrictThreadMode(true))
                .connectionHandler(connection -> ConnectionGuard.install(connection, connectionLimits))
                .invalidRequestHandler(request -> {
                    meters.rejected();
                    InvalidRequests.answer(request);
                })
                .requestHandler(this)
                .listen();
    }

    @Override
    public void handle(HttpServerRequest request) {
        HttpMethod method = request.method();
        HttpServerResponse response = request.response();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            meters.rejected();
            response.headers().add(HttpHeaders.ALLOW, ALLOWED_METHODS);
            answer(request, 405, METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED_LENGTH, false);
            return;
        }
        String target = request.uri();
        long range = RequestTarget.pathRange(target);
        if (range == RequestTarget.INVALID) {
            meters.rejected();
            answer(request, 400, BAD_TARGET, BAD_TARGET_LENGTH, method == HttpMethod.HEAD);
            return;
        }
        int[] counts = this.counts;
        Arrays.fill(counts, 0);
        int total = classifier.classify(target, RequestTarget.start(range), RequestTarget.end(range), counts);
        if (total != lastTotal || !Arrays.equals(counts, lastCounts)) {
            remember(counts, total);
        }
        meters.classified(total);
        answer(request, 200, lastBody, lastLength, method == HttpMethod.HEAD);
    }

    private void answer(HttpServerRequest request, int status, Buffer body, CharSequence length, boolean head) {
        HttpServerResponse response = request.response().setStatusCode(status);
        MultiMap headers = response.headers();
        headers.add(HttpHeaders.DATE, date);
        headers.add(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN);
        headers.add(HttpHeaders.CONTENT_LENGTH, length);
        if (draining.getAsBoolean()) {
            // Tell keep-alive clients to reconnect, so that they find a pod that is not going away. Vert.x keeps
            // the connection open for a response's Connection header, so close it once the answer is written.
            headers.add(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            (head ? response.end() : response.end(body))
                    .onComplete(written -> request.connection().close());
        } else if (head) {
            response.end();
        } else {
            response.end(body);
        }
    }

    private void remember(int[] counts, int total) {
        System.arraycopy(counts, 0, lastCounts, 0, counts.length);
        lastTotal = total;
        lastBody = Buffer.buffer(ClassificationText.render(counts, total));
        lastLength = length(lastBody);
    }

    private static CharSequence length(Buffer body) {
        return HttpHeaders.createOptimized(Integer.toString(body.length()));
    }

    private static CharSequence httpDate() {
        return HttpHeaders.createOptimized(IMF_FIXDATE.format(ZonedDateTime.now(ZoneOffset.UTC)));
    }
}
