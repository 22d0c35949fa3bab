package io.github.vertxclassifier.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.vertxclassifier.support.FreePorts;
import io.github.vertxclassifier.support.InProcessService;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * k8s/loadtest/loadtest.sh, the load-test image's entrypoint: the real script with the real wrk against the real
 * service (steps, summary, exit status), plus its parameter checks. Needs wrk (Debian: apt-get install wrk).
 */
class LoadTestScriptTest {

  static final List<String> PARAMETERS = List.of("TARGET_URL", "HOST_HEADER", "N", "STEPS", "STEP_DURATION", "THREADS", "WRK");

  static InProcessService service;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    service = InProcessService.start();
  }

  @AfterAll
  static void stop() throws Exception {
    service.close();
  }

  record Run(int exit, String output) {
  }

  @Test
  void rampsThroughEveryStepAgainstTheServiceAndPrintsASummary() throws Exception {
    assumeWrk();
    Run run = run(Map.of("TARGET_URL", "http://127.0.0.1:" + service.httpPort(), "N", "101", "STEPS", "2 8",
        "STEP_DURATION", "1s", "THREADS", "2"));

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output())
        .contains("wrk -t2 -c2 -d1s --latency http://127.0.0.1:" + service.httpPort() + "/" + "helloworld".repeat(10))
        .contains("wrk -t2 -c8 -d1s")
        .contains("connections   requests       req/s       p50       p99 non-2xx/3xx socket-errors  result")
        .endsWith("=== ok\n");
    List<String> rows = summaryRows(run.output());
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0)).matches(" +2 +[1-9][0-9]* +[0-9.]+ +[0-9.]+[um]?s +[0-9.]+[um]?s +0 +0  ok");
    assertThat(rows.get(1)).matches(" +8 +[1-9][0-9]* +[0-9.]+ .* +0 +0  ok");
  }

  @Test
  void errorAnswersFailTheRun() throws Exception {
    assumeWrk();
    // A 10001-byte path exceeds MAX_REQUEST_LINE_BYTES (8192): every answer is 414.
    Run run = run(Map.of("TARGET_URL", "http://127.0.0.1:" + service.httpPort(), "N", "10001", "STEPS", "1",
        "STEP_DURATION", "1s", "THREADS", "1"));

    assertThat(run.exit()).as(run.output()).isEqualTo(1);
    assertThat(summaryRows(run.output())).singleElement().asString()
        .matches(" +1 +([1-9][0-9]*) .* \\1 +0  FAILED"); // every request an error answer
  }

  @Test
  void aTargetThatAnswersNothingFailsTheRun() throws Exception {
    assumeWrk();
    try (var silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Run run = run(Map.of("TARGET_URL", "http://127.0.0.1:" + silent.getLocalPort(), "STEPS", "1",
          "STEP_DURATION", "1s", "THREADS", "1"));

      assertThat(run.exit()).as(run.output()).isEqualTo(1);
      assertThat(summaryRows(run.output())).singleElement().asString().contains(" 0 ").endsWith("FAILED");
    }
  }

  @Test
  void anUnreachableTargetFailsTheRun() throws Exception {
    assumeWrk();
    Run run = run(Map.of("TARGET_URL", "http://127.0.0.1:" + FreePorts.distinct(1)[0], "STEPS", "1",
        "STEP_DURATION", "1s", "THREADS", "1"));

    assertThat(run.exit()).as(run.output()).isEqualTo(1);
    assertThat(summaryRows(run.output())).singleElement().asString().contains("FAILED (wrk exit");
  }

  /** wrk's arguments for each step (a stub records them): path of N bytes, Host header, threads, connections. */
  @ParameterizedTest
  @CsvSource({"1, /", "11, /helloworld", "21, /helloworldhelloworld", "1001, ''"})
  void pathOfNBytesAndHostHeader(int n, String expected) throws Exception {
    Path stub = dir.resolve("wrk");
    Files.writeString(stub, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + dir.resolve("calls") + "'\necho 'Requests/sec: 1'\n"
        + "echo '  1 requests in 1.00s, 1KB read'\n");
    Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwx------"));
    Run run = run(Map.of("TARGET_URL", "http://gateway.example/", "HOST_HEADER", "vertx-classifier.example.com",
        "N", String.valueOf(n), "STEPS", "4 16", "STEP_DURATION", "2m", "THREADS", "4", "WRK", stub.toString()));

    assertThat(run.exit()).as(run.output()).isZero();
    String path = expected.isEmpty() ? "/" + "helloworld".repeat(100) : expected;
    assertThat(path).hasSize(n);
    assertThat(Files.readAllLines(dir.resolve("calls"))).containsExactly(
        "-t4 -c4 -d2m --latency -H Host: vertx-classifier.example.com http://gateway.example" + path,
        "-t4 -c16 -d2m --latency -H Host: vertx-classifier.example.com http://gateway.example" + path);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "STEP_DURATION | 60sec | STEP_DURATION must be a number",
      "STEP_DURATION | 1m30s | STEP_DURATION must be a number",
      "STEP_DURATION | 0s    | STEP_DURATION must be a number",
      "STEP_DURATION | 2.5m  | STEP_DURATION must be a number",
      "N             | 12    | N must be 1 + 10k",
      "N             | abc   | N must be a whole number",
      "N             | 0     | N must be a whole number",
      "THREADS       | 1.5   | THREADS must be a whole number",
      "THREADS       | 0     | THREADS must be a whole number",
      "STEPS         | 8 x   | STEPS must be whole numbers",
      "STEPS         | 2 8   | every step needs at least THREADS=4",
      "STEPS         | ' '   | STEPS is empty",
      "TARGET_URL    | ''    | TARGET_URL is not set",
      "TARGET_URL    | vertx-classifier:8080 | TARGET_URL must start with http://",
      "TARGET_URL    | http://gw/helloworld  | TARGET_URL is a base URL without a path",
      "WRK           | /nonexistent/wrk      | wrk not found"})
  void badParametersStopWithAClearMessage(String name, String value, String message) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("TARGET_URL", "http://gw", "STEPS", "8 32", "THREADS", "4"));
    env.put(name, value);
    Run run = run(env);

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.output()).startsWith("loadtest: ").contains(message).contains(value.trim());
  }

  private static void assumeWrk() throws Exception {
    Process which = new ProcessBuilder("sh", "-c", "command -v wrk").start();
    assumeTrue(which.waitFor() == 0, "wrk is not installed (apt-get install wrk): skipping the runs against the service");
  }

  private static List<String> summaryRows(String output) {
    String summary = output.substring(output.indexOf("=== summary"));
    return summary.lines().skip(2).filter(l -> !l.startsWith("===")).toList();
  }

  private Run run(Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("sh", Manifests.file("k8s/loadtest/loadtest.sh").toString())
        .redirectErrorStream(true);
    builder.environment().keySet().removeIf(PARAMETERS::contains);
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), output);
  }
}
