package io.github.vertxclassifier.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** k8s/loadtest/loadtest.sh (the Job's script) runs the benchmark's wrk scenario; wrk is replaced by a stub. */
class LoadTestScriptTest {

  @TempDir
  Path dir;

  @ParameterizedTest
  @CsvSource({"1, /", "11, /helloworld", "21, /helloworldhelloworld", "12, /helloworldh"})
  void pathHasExactlyNBytes(int n, String expected) throws Exception {
    List<String> args = run(Map.of("TARGET_URL", "http://ingress.example/", "PATH_BYTES", String.valueOf(n)));

    assertThat(args).last().isEqualTo("http://ingress.example" + expected);
  }

  @ParameterizedTest
  @CsvSource({"101, 10", "1001, 100"})
  void largerPathsRepeatHelloworld(int n, int repeats) throws Exception {
    List<String> args = run(Map.of("TARGET_URL", "http://i", "PATH_BYTES", String.valueOf(n)));

    String path = args.get(args.size() - 1).substring("http://i".length());
    assertThat(path).hasSize(n).isEqualTo("/" + "helloworld".repeat(repeats));
  }

  @Test
  void defaultsAreTheSeedScenarioAndHostHeaderIsSent() throws Exception {
    List<String> args = run(Map.of("TARGET_URL", "http://ingress-nginx-controller.ingress-nginx.svc",
        "HOST_HEADER", "vertx-classifier.local"));

    assertThat(args).containsSubsequence("-t1", "-c40", "-d10s")
        .containsSubsequence("-H", "Host: vertx-classifier.local")
        .last().isEqualTo("http://ingress-nginx-controller.ingress-nginx.svc/helloworld");
  }

  @Test
  void parametersAreHonouredAndBadInputRejected() throws Exception {
    List<String> args = run(Map.of("TARGET_URL", "http://i", "THREADS", "2", "CONNECTIONS", "100", "DURATION", "30s"));
    assertThat(args).containsSubsequence("-t2", "-c100", "-d30s").doesNotContain("-H");

    assertThat(exitCode(Map.of("TARGET_URL", "http://i", "PATH_BYTES", "0"))).isNotZero();
    assertThat(exitCode(Map.of("TARGET_URL", "http://i", "PATH_BYTES", "abc"))).isNotZero();
    assertThat(exitCode(Map.of("PATH_BYTES", "11"))).isNotZero(); // TARGET_URL missing
  }

  /** Runs the script with a wrk stub that writes one argument per line; returns wrk's arguments. */
  private List<String> run(Map<String, String> env) throws Exception {
    Path argsFile = dir.resolve("args");
    Files.deleteIfExists(argsFile);
    assertThat(exitCode(env)).isZero();
    return Files.readAllLines(argsFile);
  }

  private int exitCode(Map<String, String> env) throws Exception {
    Path stub = dir.resolve("wrk");
    Files.writeString(stub, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"" + dir.resolve("args") + "\"\n");
    Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwx------"));
    ProcessBuilder builder = new ProcessBuilder("sh", Manifests.file("k8s/loadtest/loadtest.sh").toString())
        .redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> List.of("TARGET_URL", "HOST_HEADER", "PATH_BYTES", "THREADS",
        "CONNECTIONS", "DURATION").contains(k));
    builder.environment().putAll(env);
    builder.environment().put("WRK", stub.toString());
    Process process = builder.start();
    process.getInputStream().readAllBytes();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return process.exitValue();
  }
}
