package io.github.vertxclassifier.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.JarProcess;
import io.github.vertxclassifier.support.RawHttp;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM: readiness 503 at once, the public port serves through the drain, then exit 0; before the service was
 * ready, exit 0 at once.
 */
class GracefulShutdownIT {

  @Test
  void sigtermDrainsThenExitsZero() throws Exception {
    try (JarProcess jar = JarProcess.start(Map.of("SHUTDOWN_DRAIN_SECONDS", "3"))) {
      assertThat(RawHttp.exchange(jar.httpPort, RawHttp.get("/helloworld")).status()).isEqualTo(200);

      long signalled = System.nanoTime();
      jar.terminate();
      awaitStatus(jar.managementPort, "/health/ready", 503, Duration.ofSeconds(1));

      // Still serving, and telling keep-alive clients to go elsewhere.
      RawHttp.Exchange during = RawHttp.exchange(jar.httpPort, RawHttp.get("/helloworld"));
      assertThat(during.status()).isEqualTo(200);
      assertThat(during.body()).endsWith("total:\t11\n");
      assertThat(RawHttp.header(during, "connection")).isEqualTo("close");
      Thread.sleep(1500);
      assertThat(RawHttp.exchange(jar.httpPort, RawHttp.get("/")).status()).as("1.5 s into the drain").isEqualTo(200);

      assertThat(jar.awaitExit(Duration.ofSeconds(20))).isZero();
      Duration took = Duration.ofNanos(System.nanoTime() - signalled);
      assertThat(took).isBetween(Duration.ofMillis(2900), Duration.ofSeconds(15));
      assertThat(jar.output()).contains("draining for 3s").contains("stopped");
    }
  }

  @Test
  void sigtermDuringTheWarmUpExitsZeroAtOnce() throws Exception {
    // Interpreted only (-Xint), the warm-up's few thousand requests take seconds: the signal lands inside it.
    try (JarProcess jar = JarProcess.launch(Map.of("WARMUP_SECONDS", "60", "SHUTDOWN_DRAIN_SECONDS", "10"), "-Xint")) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!jar.output().contains("warm-up: driving") && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(RawHttp.exchange(jar.managementPort, RawHttp.get("/health/ready")).status()).isEqualTo(503);

      long signalled = System.nanoTime();
      jar.terminate();
      assertThat(jar.awaitExit(Duration.ofSeconds(20))).isZero();
      // Not the 10 s drain: nothing was ready, nothing is drained.
      assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(8));
      assertThat(jar.output()).contains("stopped before ready").doesNotContain("warmed up", "draining");
    }
  }

  private static void awaitStatus(int port, String path, int status, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    int last = -1;
    while (System.nanoTime() < deadline) {
      last = RawHttp.exchange(port, RawHttp.get(path)).status();
      if (last == status) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(path + " answered " + last + ", not " + status + ", within " + within);
  }
}
