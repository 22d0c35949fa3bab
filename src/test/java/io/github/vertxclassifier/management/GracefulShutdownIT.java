package io.github.vertxclassifier.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.JarProcess;
import io.github.vertxclassifier.support.RawHttp;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SIGTERM: readiness 503 at once, the public port serves through the drain, then exit 0. */
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
