package io.github.vertxclassifier.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.JarProcess;
import io.github.vertxclassifier.support.RawHttp;
import java.io.UncheckedIOException;
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
      assertThat(ManagementHttp.get(jar.httpPort, "/helloworld").status()).isEqualTo(200);

      long signalled = System.nanoTime();
      jar.terminate();
      // At once: while the public port still serves (checked next), not only after the drain.
      awaitReadinessDown(jar.managementPort);

      // Every request until the public port closes is served, and tells keep-alive clients to go elsewhere;
      // the port closes only when the drain is over.
      int served = 0;
      while (true) {
        RawHttp.Exchange during;
        try {
          during = RawHttp.exchange(jar.httpPort, RawHttp.get("/helloworld"), Duration.ofSeconds(30));
        } catch (UncheckedIOException refused) {
          break;
        }
        if (during.text().isEmpty()) {
          break; // accepted as the port closed, closed unanswered
        }
        assertThat(during.status()).isEqualTo(200);
        assertThat(during.body()).endsWith("total:\t11\n");
        assertThat(RawHttp.header(during, "connection")).isEqualTo("close");
        served++;
      }
      Duration servedFor = Duration.ofNanos(System.nanoTime() - signalled);
      assertThat(served).isPositive();
      assertThat(servedFor).as("the public port served through the 3 s drain").isGreaterThan(Duration.ofMillis(2900));

      assertThat(jar.awaitExit(Duration.ofSeconds(30))).isZero();
      assertThat(jar.output()).contains("draining for 3s").contains("stopped");
    }
  }

  @Test
  void sigtermDuringTheWarmUpExitsZeroAtOnce() throws Exception {
    // Interpreted only (-Xint), the warm-up's few thousand requests take seconds: the signal lands inside it.
    // A drain of 120 s: an exit within the 60 s awaited below shows there was none, however busy the machine.
    Map<String, String> env = Map.of("WARMUP_SECONDS", "60", "SHUTDOWN_DRAIN_SECONDS", "120");
    try (JarProcess jar = JarProcess.launch(env, "-Xint")) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!jar.output().contains("warm-up: driving") && System.nanoTime() < deadline) {
        Thread.sleep(20); // JarProcess has no wait for a line: polled
      }
      assertThat(jar.output()).contains("warm-up: driving");
      assertThat(ManagementHttp.get(jar.managementPort, "/health/ready").status()).isEqualTo(503);

      jar.terminate();
      // Not the 120 s drain: nothing was ready, nothing is drained.
      assertThat(jar.awaitExit(Duration.ofSeconds(60))).isZero();
      assertThat(jar.output()).contains("stopped before ready").doesNotContain("warmed up", "draining");
    }
  }

  /** Asks /health/ready until it answers 503; each answer closes its connection (the wait is for that). */
  private static void awaitReadinessDown(int port) {
    int last = -1;
    for (int asked = 0; asked < 10_000 && last != 503; asked++) {
      last = ManagementHttp.get(port, "/health/ready").status();
      assertThat(last).as("readiness while the signal is on its way").isIn(200, 503);
    }
    assertThat(last).isEqualTo(503);
  }
}
