package io.github.vertxclassifier.warmup;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Logger;

/**
 * Warm before ready: drives the service's own public port over loopback (real HTTP, keep-alive, several
 * connections, the same pipeline as production traffic) until the JIT has compiled the request path or the
 * budget ends, then completes. The caller turns readiness on when the returned future completes; it never
 * fails, so a warm-up problem can delay readiness by at most the time budget, never prevent it.
 *
 * <p>"Compiled" is read from the JVM: once enough requests have run for the hot methods to cross the C2
 * thresholds, the warm-up stops as soon as the JIT compilers have been nearly idle for {@link #QUIET_WINDOWS}
 * sampling windows in a row (total compilation time grew by less than {@link #QUIET_FRACTION} of the window).
 */
public final class WarmUp {

  private static final Logger LOG = Logger.getLogger(WarmUp.class.getName());

  /** Concurrent keep-alive connections (each with one request in flight). */
  static final int CONNECTIONS = 8;
  /** Requests before the JIT's quiet can mean "done": above C2's invocation threshold for per-request code. */
  static final long MIN_REQUESTS = 20_000;
  static final long SAMPLE_MILLIS = 100;
  static final int QUIET_WINDOWS = 3;
  static final double QUIET_FRACTION = 0.05;
  private static final long GRACE_NANOS = Duration.ofSeconds(2).toNanos();

  /** What the warm-up did; {@code stoppedBecause} is "compiled", "time budget", "request budget" or an error. */
  public record Result(long requests, long failures, Duration elapsed, String stoppedBecause) {
  }

  private final Vertx vertx;
  private final String host;
  private final int port;
  private final long deadlineNanos;
  private final long maxRequests;
  private final List<String> paths = paths();
  private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
  private final Promise<Result> done = Promise.promise();
  private final long startNanos = System.nanoTime();

  // All state below is touched on one context only (the one run() creates).
  private HttpClientAgent client;
  private long sent;
  private long completed;
  private long failures;
  private int inFlight;
  private String stopReason;
  private long lastCompileMillis;
  private int quietWindows;
  private long timer;

  private WarmUp(Vertx vertx, String host, int port, Duration budget, long maxRequests) {
    this.vertx = vertx;
    this.host = host;
    this.port = port;
    this.deadlineNanos = startNanos + budget.toNanos();
    this.maxRequests = maxRequests <= 0 ? Long.MAX_VALUE : maxRequests;
  }

  /**
   * Warms the server listening on {@code host:port} (a loopback address: see {@link #loopbackFor}) for at most
   * {@code budget} and {@code maxRequests} requests (0 = no request limit). A zero budget completes at once.
   */
  public static Future<Result> run(Vertx vertx, String host, int port, Duration budget, long maxRequests) {
    if (budget.isZero() || budget.isNegative()) {
      return Future.succeededFuture(new Result(0, 0, Duration.ZERO, "off"));
    }
    WarmUp warmUp = new WarmUp(vertx, host, port, budget, maxRequests);
    // A context of its own: every callback of the warm-up runs on it, so its counters need no locks.
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> warmUp.start());
    return warmUp.done.future();
  }

  /**
   * Standalone driver for an image build's AOT training run (k8s/Dockerfile): {@code java -cp vertx-classifier.jar
   * io.github.vertxclassifier.warmup.WarmUp HOST PORT SECONDS [MAX_REQUESTS]} waits up to a minute for the server
   * to answer, warms it for at most SECONDS, prints the result and exits 0, or 1 if the server never answered.
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: WarmUp HOST PORT SECONDS [MAX_REQUESTS]");
      System.exit(2);
    }
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    Duration budget = Duration.ofSeconds(Long.parseLong(args[2]));
    long maxRequests = args.length > 3 ? Long.parseLong(args[3]) : 0;
    Vertx vertx = Vertx.vertx();
    int status = 1;
    try {
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      Result result = null;
      while (System.nanoTime() < deadline) {
        result = run(vertx, host, port, budget, maxRequests).toCompletionStage().toCompletableFuture().get();
        if (result.requests() > result.failures()) {
          break;
        }
        Thread.sleep(200); // not listening yet
      }
      System.out.println("warm-up driver: " + result);
      status = result != null && result.requests() > result.failures() ? 0 : 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
    System.exit(status);
  }

  /** The address to reach a server bound to {@code bindHost} from the same host. */
  public static String loopbackFor(String bindHost) {
    return switch (bindHost) {
      case "0.0.0.0", "" -> "127.0.0.1";
      case "::", "[::]", "::0" -> "::1";
      default -> bindHost;
    };
  }

  private void start() {
    lastCompileMillis = compileMillis();
    client = vertx.createHttpClient(new HttpClientOptions()
            .setKeepAlive(true)
            .setDefaultHost(host)
            .setDefaultPort(port)
            .setConnectTimeout(2000)
            .setName("warm-up"),
        new PoolOptions().setHttp1MaxSize(CONNECTIONS));
    timer = vertx.setPeriodic(SAMPLE_MILLIS, id -> sample());
    for (int i = 0; i < CONNECTIONS; i++) {
      next();
    }
  }

  private void next() {
    if (stopReason != null) {
      if (inFlight == 0) {
        finish();
      }
      return;
    }
    if (sent >= maxRequests) {
      stop("request budget");
      next();
      return;
    }
    long n = sent++;
    inFlight++;
    // Every 16th request is a HEAD (the other method the service answers); paths rotate through the set.
    HttpMethod method = (n & 15) == 15 ? HttpMethod.HEAD : HttpMethod.GET;
    String path = paths.get((int) (n % paths.size()));
    client.request(method, path)
        .compose(request -> request.send().compose(this::body))
        .onComplete(answer -> {
          inFlight--;
          completed++;
          if (answer.failed() || answer.result() != 200) {
            failures++;
            // The server refuses or is gone: stop early rather than spin on errors.
            if (failures > CONNECTIONS * 4L && failures * 10 > completed) {
              stop("errors: " + (answer.failed() ? answer.cause() : "status " + answer.result()));
            }
          }
          next();
        });
  }

  private Future<Integer> body(HttpClientResponse response) {
    return response.body().map(body -> response.statusCode());
  }

  private void sample() {
    long now = System.nanoTime();
    if (stopReason != null) {
      // Requests still unanswered this long after the budget will not be: give up on them.
      if (now - deadlineNanos - GRACE_NANOS >= 0) {
        finish();
      }
      return;
    }
    long compile = compileMillis();
    long compiling = compile - lastCompileMillis;
    lastCompileMillis = compile;
    quietWindows = compiling < SAMPLE_MILLIS * QUIET_FRACTION ? quietWindows + 1 : 0;
    if (jit != null && completed >= MIN_REQUESTS && quietWindows >= QUIET_WINDOWS) {
      stop("compiled");
    } else if (now - deadlineNanos >= 0) {
      stop("time budget");
    }
  }

  private void stop(String reason) {
    if (stopReason == null) {
      stopReason = reason;
    }
  }

  private void finish() {
    if (client == null) {
      return;
    }
    HttpClientAgent closing = client;
    client = null;
    vertx.cancelTimer(timer);
    Result result = new Result(completed, failures, Duration.ofNanos(System.nanoTime() - startNanos), stopReason);
    // Close the connections before readiness: the warm-up must not hold server connections while serving.
    closing.close().onComplete(closed -> {
      LOG.info(() -> String.format("warm-up: %d requests (%d failed) in %d ms, stopped: %s", result.requests(),
          result.failures(), result.elapsed().toMillis(), result.stoppedBecause()));
      done.complete(result);
    });
  }

  private long compileMillis() {
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
  }

  /**
   * The benchmark's paths (N = 1, 11, 101, 1001: "/" + k x "helloworld") and varied ones, fixed by a seed:
   * every byte class the classifier sees (site-name bytes, near misses, digits, percent-escapes, a query).
   */
  static List<String> paths() {
    List<String> paths = new ArrayList<>();
    for (int n : new int[] {1, 11, 101, 1001}) {
      paths.add("/" + "helloworld".repeat((n - 1) / 10));
    }
    String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/%?=&"
        + "navytux.spb.ru www.nexedi.com lab.nexedi.com www.erp5.com".replace(" ", "");
    Random random = new Random(13);
    for (int i = 0; i < 28; i++) {
      int length = i < 20 ? 1 + random.nextInt(120) : 200 + random.nextInt(1800);
      StringBuilder path = new StringBuilder("/");
      for (int j = 1; j < length; j++) {
        char c = alphabet.charAt(random.nextInt(alphabet.length()));
        // A '%' always starts a well-formed escape and "//" never starts the path (it would read as an
        // authority), so every path is a valid origin-form request-target.
        path.append(c == '%' ? "%2F" : c == '/' && j == 1 ? 'w' : c);
      }
      paths.add(path.toString());
      if (i % 4 == 0) {
        paths.add("/" + "helloworld".repeat(1 + i));
      }
    }
    return List.copyOf(paths);
  }
}
