package io.github.vertxclassifier.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.FreePorts;
import io.github.vertxclassifier.support.JarProcess;
import io.github.vertxclassifier.support.RawHttp;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The packaged jar reads config/application.yaml, the environment wins, bad configuration stops it. */
class ConfigurationIT {

  @TempDir
  Path dir;

  private Path yaml(String text) throws Exception {
    Path file = dir.resolve("application.yaml");
    Files.writeString(file, text);
    return file;
  }

  private static String live(JarProcess jar) {
    return RawHttp.exchange(jar.managementPort, RawHttp.get("/health/live")).body();
  }

  @Test
  void theEnvironmentOverridesTheFile() throws Exception {
    int filePort = FreePorts.next();
    int envPort = FreePorts.next();
    Path file = yaml("HTTP_PORT: " + filePort + "\nINSTANCES: 3\nCLASSIFIER_ALGORITHM: table\n");
    Map<String, String> env = new HashMap<>();
    env.put("CONFIG_FILE", file.toString());
    env.put("HTTP_PORT", Integer.toString(envPort));
    env.put("INSTANCES", "1");
    try (JarProcess jar = JarProcess.start(env)) {
      assertThat(RawHttp.exchange(envPort, RawHttp.get("/helloworld")).body()).endsWith("total:\t11\n");
      assertThat(live(jar)).contains("\"eventLoops\":1");
      assertThat(jar.output()).contains("with 1 classifier instance(s) (table,");
      try (ServerSocket free = new ServerSocket(filePort)) {
        assertThat(free.getLocalPort()).as("the file's port is not bound").isEqualTo(filePort);
      }
    }
  }

  @Test
  void theFileOverridesTheDefaults() throws Exception {
    Path file = yaml("INSTANCES: 3\n");
    try (JarProcess jar = JarProcess.start(Map.of("CONFIG_FILE", file.toString(), "INSTANCES", ""))) {
      assertThat(live(jar)).contains("\"eventLoops\":3");
    }
  }

  @Test
  void withoutAFileOnDiskThePackagedDefaultsAreUsed() throws Exception {
    try (JarProcess jar = JarProcess.start(Map.of())) {
      assertThat(jar.output()).contains("scan,");
      assertThat(RawHttp.exchange(jar.httpPort, RawHttp.get("/")).status()).isEqualTo(200);
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "INSTANCES|0|INSTANCES must be 'auto' or a whole number in 1..1024, got '0'",
      "HTTP_PORT|70000|HTTP_PORT must be in 1..65535, got 70000",
      "IDLE_TIMEOUT_SECONDS|x|IDLE_TIMEOUT_SECONDS must be a whole number in 1..86400, got 'x'",
      "CONFIG_FILE|/nonexistent/application.yaml|cannot read configuration file /nonexistent/application.yaml: no such file",
  })
  void badConfigurationStopsStartUpWithOneLine(String key, String value, String message) throws Exception {
    try (JarProcess jar = JarProcess.launch(Map.of(key, value))) {
      assertThat(jar.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(jar.output()).isEqualTo("vertx-classifier: invalid configuration: " + message);
    }
  }

  @Test
  void malformedYamlAndUnknownKeysStopStartUp() throws Exception {
    Path broken = yaml("HTTP_PORT: [8080\n");
    try (JarProcess jar = JarProcess.launch(Map.of("CONFIG_FILE", broken.toString()))) {
      assertThat(jar.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(jar.output()).startsWith("vertx-classifier: invalid configuration: cannot read configuration file")
          .doesNotContain("\n");
    }
    Path typo = yaml("HTTP_PROT: 8080\n");
    try (JarProcess jar = JarProcess.launch(Map.of("CONFIG_FILE", typo.toString()))) {
      assertThat(jar.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(jar.output()).startsWith("vertx-classifier: invalid configuration: unknown configuration key HTTP_PROT");
    }
  }

  @Test
  void aPortInUseStopsStartUpWithOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      try (JarProcess jar = JarProcess.launch(Map.of("HTTP_PORT", Integer.toString(taken.getLocalPort())))) {
        assertThat(jar.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
        assertThat(jar.output()).startsWith("vertx-classifier: cannot start: ").doesNotContain("\n\tat ");
      }
    }
  }
}
