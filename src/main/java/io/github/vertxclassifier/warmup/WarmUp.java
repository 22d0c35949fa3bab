package io.github.vertxclassifier.warmup;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Warm before ready: drives the service's own public port over loopback (real HTTP/1.1 on keep-alive
 * connections, one request in flight on each, as an ingress proxy sends them: the same decoder, handler, meters
 * and encoder as production traffic) until the JIT has compiled the request path or the budget ends, then
 * completes. The caller turns readiness on when the returned future completes; it never fails, so a warm-up
 * problem can delay readiness by at most the time budget, never prevent it.
 *
 * <p>Five choices, each measured on one CPU (docs/bench/coldstart, steps 2, 3, 10 and 15):
 * <ul>
 *   <li><b>Plain JDK sockets on a thread of its own</b>, not Vert.x's clients: a Vert.x client in the same JVM
 *       runs through the same Netty and Vert.x classes as the server (contexts, handlers, buffers), so their type
 *       profiles saw two kinds of connection and C2 compiled slower, polymorphic code that later deoptimized.
 *       The driver's own code is a few small methods, so it adds little for the JIT to compile.</li>
 *   <li><b>Paced by the JIT</b>: on one CPU the compiler threads and the requests share the CPU, and requests
 *       running in the interpreter while methods wait to be compiled only delay the compilations. While the
 *       compiler threads are busy the driver pauses {@link #PAUSE_RATIO} times as long as it has just driven,
 *       which leaves the compilers about two thirds of the CPU; while they are idle it drives, since the
 *       requests' invocation counts are what queue the next compilations.</li>
 *   <li><b>Done when the JIT stays idle under load</b>: at least {@link #MIN_REQUESTS} requests, then the
 *       compiler threads below {@link #BUSY_SHARE} of the CPU for {@link #QUIET_REQUESTS} more requests (enough
 *       for a method compiled with counters only to report and be promoted); see {@link CompilerThreads}.</li>
 *   <li><b>Connections come and go</b>: one of the {@link #CONNECTIONS} is replaced every
 *       {@code ROUNDS_PER_CHECK} rounds, so accepting and closing a connection is compiled code too when
 *       clients connect after readiness.</li>
 *   <li><b>What a pod gets, not only what a benchmark sends</b>: half the requests carry the headers an ingress
 *       proxy forwards, and a kubelet's probes go to the management port now and then. Code that sees a new
 *       header or message type for the first time after C2 compiled it is deoptimized and compiled again.</li>
 * </ul>
 */
public final class WarmUp {

    private static final Logger LOG = Logger.getLogger(WarmUp.class.getName());

    /** Connections, each with one request in flight: one round writes a request on each, then reads the answers. */
    static final int CONNECTIONS = 16;
    /** Requests before an idle JIT can mean "done". */
    static final long MIN_REQUESTS = 4_000;
    /** Requests the JIT must stay idle for: 16 tier-2 notifications (docs/bench/coldstart, steps 9 and 10). */
    static final long QUIET_REQUESTS = 2_048;
    /**
     * Share of the time the compiler threads may use and still count as idle: late single compilations (an OSR
     * of a loop, the driver's own code, a connection set-up method) come and go for seconds and must not hold the
     * warm-up; a backlog of the request path's methods keeps them on the CPU for most of the time.
     */
    static final double BUSY_SHARE = 0.2;
    /** How often the JIT is asked (in rounds of {@link #CONNECTIONS} requests). */
    private static final int ROUNDS_PER_CHECK = 8;
    /** While the compiler threads are busy, the driver pauses this many times as long as it has just driven. */
    static final long PAUSE_RATIO = 2;

    private static final long MAX_PAUSE_NANOS = Duration.ofMillis(50).toNanos();
    /** Checks per management request: a probe every 512 requests (docs/bench/coldstart, step 15). */
    private static final int CHECKS_PER_MANAGEMENT_REQUEST = 4;

    /**
     * What the warm-up did: {@code requests} (and {@code failures}) on the public port, {@code managementRequests}
     * answered by the management port, why it stopped, and for {@link StopReason#ERRORS} the first error (else null).
     */
    public record Result(
            long requests,
            long failures,
            long managementRequests,
            Duration elapsed,
            StopReason stopReason,
            String error) {

        /** As the log line says it: "compiled", or "errors: " and the first error. */
        public String stoppedBecause() {
            return error == null ? stopReason.text() : stopReason.text() + ": " + error;
        }

        @Override
        public String toString() {
            return String.format(
                    "Result[requests=%d, failures=%d, managementRequests=%d, elapsed=%s, stoppedBecause=%s]",
                    requests, failures, managementRequests, elapsed, stoppedBecause());
        }
    }

    private final Target target;
    private final long startNanos = System.nanoTime();
    private final long deadlineNanos;
    private final long maxRequests;
    private final RequestCatalogue catalogue = new RequestCatalogue();
    private final CompilerThreads jit;
    private long requests;
    private long failures;
    private long managementRequests;
    /** The first error, once the driver stops for errors. */
    private String error;

    /** {@code jit}: paced by and done with this JVM's JIT (the server's own), or null: until a budget ends. */
    private WarmUp(Target target, Duration budget, long maxRequests, CompilerThreads jit) {
        this.jit = jit;
        this.target = target;
        this.deadlineNanos = startNanos + budget.toNanos();
        this.maxRequests = maxRequests <= 0 ? Long.MAX_VALUE : maxRequests;
    }

    /**
     * Where the warm-up drives, as seen from this host (see {@link #loopbackFor}): the public port, and the
     * management port ({@code managementPort} 0: none).
     */
    public record Target(String host, int port, String managementHost, int managementPort) {}

    /**
     * Warms the server at {@code target} for at most {@code budget} and {@code maxRequests} public requests (0 = no
     * request limit). A zero budget completes at once. The driver runs on a thread of its own; the future completes
     * on the caller's Vert.x context.
     */
    public static Future<Result> run(Vertx vertx, Target target, Duration budget, long maxRequests) {
        if (budget.isZero() || budget.isNegative()) {
            return Future.succeededFuture(new Result(0, 0, 0, Duration.ZERO, StopReason.OFF, null));
        }
        Context context = vertx.getOrCreateContext();
        Promise<Result> done = Promise.promise();
        // Logged when it starts too: a readiness that comes seconds after the port opened is explained in the log.
        LOG.info(() -> String.format(
                "warm-up: driving %s:%d for at most %d s before readiness",
                target.host(), target.port(), budget.toSeconds()));
        Thread driver = new Thread(
                () -> {
                    Result result;
                    try {
                        result = new WarmUp(target, budget, maxRequests, new CompilerThreads()).drive();
                    } catch (RuntimeException | Error e) { // readiness must come whatever the driver meets
                        result = new Result(0, 0, 0, Duration.ZERO, StopReason.ERRORS, e.toString());
                    }
                    Result outcome = result;
                    LOG.info(() -> String.format(
                            "warm-up: %d requests (%d failed) and %d to the management port in %d ms, " + "stopped: %s",
                            outcome.requests(),
                            outcome.failures(),
                            outcome.managementRequests(),
                            outcome.elapsed().toMillis(),
                            outcome.stoppedBecause()));
                    context.runOnContext(v -> done.complete(outcome));
                },
                "warm-up");
        driver.setDaemon(true);
        driver.start();
        return done.future();
    }

    /**
     * Drives {@code target} for the whole {@code budget} without pacing (for {@link TrainingDriver}, whose JVM's JIT
     * is not the server's), on the caller's thread.
     */
    static Result driveFor(Target target, Duration budget) {
        return new WarmUp(target, budget, 0, null).drive();
    }

    /** The address to reach a server bound to {@code bindHost} from the same host. */
    public static String loopbackFor(String bindHost) {
        return switch (bindHost) {
            case "0.0.0.0", "" -> "127.0.0.1";
            case "::", "[::]", "::0" -> "::1";
            default -> bindHost;
        };
    }

    private Result drive() {
        List<LoopbackConnection> connections = new ArrayList<>();
        StopReason stoppedBecause;
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                connections.add(new LoopbackConnection(target.host(), target.port()));
            }
            stoppedBecause = rounds(connections);
        } catch (IOException e) {
            error = e.toString();
            stoppedBecause = StopReason.ERRORS;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stoppedBecause = StopReason.INTERRUPTED;
        } finally {
            // Closed before readiness: the warm-up must not hold server connections while serving.
            connections.forEach(LoopbackConnection::close);
        }
        return new Result(
                requests,
                failures,
                managementRequests,
                Duration.ofNanos(System.nanoTime() - startNanos),
                stoppedBecause,
                error);
    }

    private StopReason rounds(List<LoopbackConnection> connections) throws IOException, InterruptedException {
        // The oldest check kept is the last one at least QUIET_REQUESTS requests back.
        ArrayDeque<Check> checks = new ArrayDeque<>();
        for (long round = 0; ; round++) {
            if (System.nanoTime() - deadlineNanos >= 0) {
                return StopReason.TIME_BUDGET;
            }
            int count = (int) Math.min(connections.size(), maxRequests - requests);
            if (count <= 0) {
                return StopReason.REQUEST_BUDGET;
            }
            for (int i = 0; i < count; i++) {
                connections.get(i).send(catalogue.publicRequest(requests + i));
            }
            String failure = null;
            for (int i = 0; i < count; i++) {
                String status = connections.get(i).receive(RequestCatalogue.isHead(requests));
                requests++;
                if (status != null) {
                    failure = status;
                    failures++;
                }
            }
            if (failure != null && failures > CONNECTIONS && failures * 10 > requests) {
                error = failure;
                return StopReason.ERRORS;
            }
            if (round % ROUNDS_PER_CHECK != ROUNDS_PER_CHECK - 1) {
                continue;
            }
            // One connection is replaced at each check, so connection set-up and close run warm too (real clients
            // connect: a proxy's pool grows with load, a kubelet probe opens a connection each time).
            long check = round / ROUNDS_PER_CHECK;
            int replaced = (int) (check % connections.size());
            connections.get(replaced).close();
            connections.set(replaced, new LoopbackConnection(target.host(), target.port()));
            askManagement(check);
            if (jit == null) {
                continue;
            }
            Check now = new Check(requests, System.nanoTime(), jit.compilerNanos());
            Check previous = checks.peekLast();
            checks.addLast(now);
            Check oldest = checks.pollFirst();
            while (checks.size() > 1
                    && checks.peekFirst().requests() <= requests - QUIET_REQUESTS) { // never past "now"
                oldest = checks.pollFirst();
            }
            checks.addFirst(oldest);
            if (requests >= MIN_REQUESTS
                    && requests - oldest.requests() >= QUIET_REQUESTS
                    && oldest.compilerShareUntil(now) < BUSY_SHARE) {
                return StopReason.COMPILED;
            }
            if (previous != null && previous.compilerShareUntil(now) >= BUSY_SHARE) {
                // The compilers are busy: leave them the CPU, PAUSE_RATIO times as long as the requests just had it.
                TimeUnit.NANOSECONDS.sleep(
                        Math.min(PAUSE_RATIO * (now.nanoTime() - previous.nanoTime()), MAX_PAUSE_NANOS));
                checks.addLast(new Check(requests, System.nanoTime(), jit.compilerNanos()));
            }
        }
    }

    /**
     * Now and then a request to the management port, as a pod's kubelet and Prometheus send them: their answers
     * run through the same Netty and Vert.x code as the public ones, with other message types and branches
     * (docs/bench/coldstart, step 15). Any answer will do (readiness is 503 until the warm-up ends); a failure is not
     * the public path's and does not count.
     */
    private void askManagement(long check) {
        if (target.managementPort() <= 0 || check % CHECKS_PER_MANAGEMENT_REQUEST != 0) {
            return;
        }
        byte[] request = RequestCatalogue.managementRequest(check / CHECKS_PER_MANAGEMENT_REQUEST);
        try (LoopbackConnection connection = new LoopbackConnection(target.managementHost(), target.managementPort())) {
            connection.send(request);
            if (connection.readToEnd()) {
                managementRequests++;
            }
        } catch (IOException e) {
            // the management port is not the warm-up's subject
        }
    }

    /** One look at the JIT: public requests answered so far, {@link System#nanoTime()}, the compilers' CPU time. */
    private record Check(long requests, long nanoTime, long compilerNanos) {
        /** The compiler threads' share of the time from this check to {@code later}. */
        double compilerShareUntil(Check later) {
            long nanos = later.nanoTime - nanoTime;
            return nanos == 0 ? 0 : (double) (later.compilerNanos - compilerNanos) / nanos;
        }
    }
}
