package io.github.vertxclassifier.warmup;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Logger;

/**
 * Warm before ready: drives the service's own public port over loopback (real HTTP/1.1 on keep-alive
 * connections, one request in flight on each, as an ingress proxy sends them: the same decoder, handler, meters
 * and encoder as production traffic, with the same branch profiles) until the JIT has compiled the request path
 * or the budget ends, then completes. The caller turns readiness on when the returned future completes; it never
 * fails, so a warm-up problem can delay readiness by at most the time budget, never prevent it.
 *
 * <p>"Compiled" is read from the JVM: once enough requests have run for the hot methods to cross the C2
 * thresholds, the warm-up stops when the JIT compilers have been nearly idle for {@link #QUIET_WINDOWS}
 * sampling windows in a row (total compilation time grew by less than {@link #QUIET_FRACTION} of the window)
 * and the requests answered per CPU-second of the process no longer improve (by {@link #STILL_IMPROVING} from
 * one half second to the next). The second test matters on a shared CPU: the compilation time only grows when a
 * compilation ends, so a long C2 compilation looks idle; the efficiency rises until it has ended. It does not
 * depend on how much CPU the container gets, only on how warm the code is.
 */
public final class WarmUp {

  private static final Logger LOG = Logger.getLogger(WarmUp.class.getName());

  /**
   * Concurrent keep-alive connections, each with {@link #PIPELINE} request(s) in flight. Not pipelined: batches
   * of pipelined requests train other branch profiles (several requests per read) than production traffic,
   * and the JIT's code then deoptimizes when real clients come (measured: docs/bench/coldstart).
   */
  static final int CONNECTIONS = 16;
  static final int PIPELINE = 1;
  private static final byte[] HEADERS_END = {'\r', '\n', '\r', '\n'};
  /** Requests before the JIT's quiet can mean "done": above C2's invocation threshold for per-request code. */
  static final long MIN_REQUESTS = 20_000;
  static final long SAMPLE_MILLIS = 100;
  static final int QUIET_WINDOWS = 3;
  static final double QUIET_FRACTION = 0.05;
  static final double STILL_IMPROVING = 1.05;
  /** Samples per efficiency window (500 ms). */
  private static final int WINDOW = 5;
  private static final long GRACE_NANOS = Duration.ofSeconds(2).toNanos();

  /** What the warm-up did; {@code stoppedBecause} is "compiled", "time budget", "request budget" or an error. */
  public record Result(long requests, long failures, Duration elapsed, String stoppedBecause) {
  }

  private final Vertx vertx;
  private final String host;
  private final int port;
  private final long deadlineNanos;
  private final long maxRequests;
  private final List<Buffer> getRequests = requests("GET");
  private final List<Buffer> headRequests = requests("HEAD");
  private final List<Lane> lanes = new ArrayList<>();
  private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
  private final Promise<Result> done = Promise.promise();
  private final long startNanos = System.nanoTime();

  // All state below is touched on one context only (the one run() creates).
  private NetClient client;
  private long sent;
  private long completed;
  private long failures;
  private String stopReason;
  private long lastCompileMillis;
  private int quietWindows;
  // The last 2 * WINDOW + 1 samples of (requests answered, process CPU nanoseconds), oldest first.
  private final java.util.ArrayDeque<long[]> efficiencySamples = new java.util.ArrayDeque<>();
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
    // One context (the caller's, on a Vert.x thread): every callback of the warm-up runs on it, so its counters
    // need no locks.
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
    client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(2000).setTcpNoDelay(true));
    timer = vertx.setPeriodic(SAMPLE_MILLIS, id -> sample());
    for (int i = 0; i < CONNECTIONS; i++) {
      Lane lane = new Lane(i);
      lanes.add(lane);
      client.connect(port, host).onComplete(connected -> {
        if (connected.failed()) {
          lane.fail("errors: " + connected.cause());
        } else {
          lane.connected(connected.result());
        }
      });
    }
  }

  /**
   * One keep-alive connection. It writes {@link #PIPELINE} request(s) and the next one(s) when the answers have
   * arrived. Raw bytes rather than Vert.x's HTTP client: on one CPU the cold client's own code took most of the
   * warm-up's time (1.3k requests in 2 s); with raw bytes nearly all of it goes to the server's path.
   */
  private final class Lane {
    private final int index;
    private NetSocket socket;
    private Buffer pending = Buffer.buffer();
    private long batch;
    private long first; // number of the batch's first request (which path, GET or HEAD)
    private int answered;
    private int awaited;
    private boolean closed;

    Lane(int index) {
      this.index = index;
    }

    void connected(NetSocket socket) {
      this.socket = socket;
      socket.handler(this::received);
      socket.closeHandler(v -> {
        if (!closed) {
          fail("errors: connection closed by the server");
        }
      });
      socket.exceptionHandler(e -> fail("errors: " + e));
      send();
    }

    private void send() {
      if (stopReason != null || sent >= maxRequests) {
        if (stopReason == null) {
          stop("request budget");
        }
        close();
        return;
      }
      int count = (int) Math.min(PIPELINE, maxRequests - sent);
      Buffer requests = Buffer.buffer(count * 64);
      first = (batch++ * CONNECTIONS + index) * PIPELINE;
      answered = 0;
      for (int i = 0; i < count; i++) {
        requests.appendBuffer(request(first + i));
      }
      sent += count;
      awaited = count;
      socket.write(requests);
    }

    /** Counts the answers in the bytes received so far (status line, headers, Content-Length body). */
    private void received(Buffer data) {
      pending.appendBuffer(data);
      int at = 0;
      while (awaited > 0) {
        int headersEnd = indexOf(pending, HEADERS_END, at);
        if (headersEnd < 0) {
          break;
        }
        String head = pending.getString(at, headersEnd, "ISO-8859-1");
        int length = contentLength(head);
        int body = isHead(first + answered++) ? 0 : Math.max(length, 0);
        int next = headersEnd + HEADERS_END.length + body;
        if (next > pending.length()) {
          break;
        }
        at = next;
        awaited--;
        completed++;
        if (length < 0 || !head.startsWith("HTTP/1.1 200 ")) {
          failures++;
          if (failures > PIPELINE && failures * 10 > completed) {
            stop("errors: " + head.lines().findFirst().orElse("no status line"));
          }
        }
      }
      pending = at == pending.length() ? Buffer.buffer() : pending.getBuffer(at, pending.length());
      if (awaited == 0) {
        send();
      }
    }

    void fail(String reason) {
      completed += awaited;
      failures += Math.max(awaited, 1);
      awaited = 0;
      stop(reason);
      close();
    }

    void close() {
      if (!closed) {
        closed = true;
        if (socket != null) {
          socket.close();
        }
        lanes.remove(this);
        if (lanes.isEmpty()) {
          finish();
        }
      }
    }
  }

  private Buffer request(long n) {
    return isHead(n) ? headRequests.get((int) (n % headRequests.size())) : getRequests.get((int) (n % getRequests.size()));
  }

  /** Every 16th request is a HEAD, the other method the service answers. */
  private static boolean isHead(long n) {
    return (n & 15) == 15;
  }

  private static int contentLength(String head) {
    int at = head.toLowerCase(java.util.Locale.ROOT).indexOf("\r\ncontent-length:");
    if (at < 0) {
      return -1;
    }
    int start = at + "\r\ncontent-length:".length();
    int end = head.indexOf('\r', start);
    try {
      return Integer.parseInt(head.substring(start, end < 0 ? head.length() : end).trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static int indexOf(Buffer buffer, byte[] bytes, int from) {
    outer:
    for (int i = from; i <= buffer.length() - bytes.length; i++) {
      for (int j = 0; j < bytes.length; j++) {
        if (buffer.getByte(i + j) != bytes[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private void sample() {
    long now = System.nanoTime();
    if (stopReason != null) {
      // Answers still missing this long after the budget will not come: give up on them.
      if (now - deadlineNanos - GRACE_NANOS >= 0) {
        List.copyOf(lanes).forEach(Lane::close);
      }
      return;
    }
    long compile = compileMillis();
    long compiling = compile - lastCompileMillis;
    lastCompileMillis = compile;
    quietWindows = compiling < SAMPLE_MILLIS * QUIET_FRACTION ? quietWindows + 1 : 0;
    efficiencySamples.addLast(new long[] {completed, processCpuNanos()});
    if (efficiencySamples.size() > 2 * WINDOW + 1) {
      efficiencySamples.removeFirst();
    }
    if (jit != null && completed >= MIN_REQUESTS && quietWindows >= QUIET_WINDOWS && !improving()) {
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
    NetClient closing = client;
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

  /** Whether the last half second answered more requests per CPU-second than the one before (or unknown). */
  private boolean improving() {
    if (efficiencySamples.size() < 2 * WINDOW + 1) {
      return true;
    }
    long[][] s = efficiencySamples.toArray(new long[0][]);
    long[] oldest = s[0];
    long[] middle = s[WINDOW];
    long[] newest = s[2 * WINDOW];
    if (newest[1] < 0 || newest[1] == middle[1] || middle[1] == oldest[1]) {
      return newest[1] >= 0; // no CPU time figure: the JIT test alone decides
    }
    double before = (double) (middle[0] - oldest[0]) / (middle[1] - oldest[1]);
    double now = (double) (newest[0] - middle[0]) / (newest[1] - middle[1]);
    return now > before * STILL_IMPROVING;
  }

  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : -1;
  }

  private long compileMillis() {
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
  }

  private static List<Buffer> requests(String method) {
    return paths().stream()
        .map(path -> Buffer.buffer(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: vertx-classifier-warm-up\r\n\r\n"))
        .toList();
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
