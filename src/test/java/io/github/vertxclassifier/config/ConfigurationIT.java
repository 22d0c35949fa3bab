package io.github.vertxclassifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.vertxclassifier.support.FreePorts;
import io.github.vertxclassifier.support.JarProcess;
import io.github.vertxclassifier.support.RawHttp;
import java.io.RandomAccessFile;
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
            assertThat(RawHttp.exchange(envPort, RawHttp.get("/helloworld")).body())
                    .endsWith("total:\t11\n");
            assertThat(live(jar)).contains("\"eventLoops\":1");
            assertThat(jar.awaitLine("serving on", Duration.ofSeconds(30)))
                    .contains("with 1 classifier instance(s) (table,");
            try (ServerSocket free = new ServerSocket(filePort)) {
                assertThat(free.getLocalPort())
                        .as("the file's port is not bound")
                        .isEqualTo(filePort);
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
            // The line is written just after readiness turns on: waited for, not read at once.
            assertThat(jar.awaitLine("serving on", Duration.ofSeconds(30))).contains("(scan,");
            assertThat(RawHttp.exchange(jar.httpPort, RawHttp.get("/")).status())
                    .isEqualTo(200);
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "INSTANCES|0|INSTANCES must be 'auto' or a whole number in 1..1024, got '0'",
                "HTTP_PORT|70000|HTTP_PORT must be in 1..65535, got 70000",
                "IDLE_TIMEOUT_SECONDS|x|IDLE_TIMEOUT_SECONDS must be a whole number in 1..86400, got 'x'",
                "CONFIG_FILE|/nonexistent/application.yaml|cannot read configuration file /nonexistent/application.yaml: no such file",
                // Checked by its syntax, not looked up in DNS at the bind.
                "HTTP_HOST|999.1.1.1|HTTP_HOST must be an IP address or a host name, got '999.1.1.1': not an IPv4 address (four "
                        + "numbers 0..255)",
                "CONFIG_FILE|/dev/zero|cannot read configuration file /dev/zero: not a regular file (a FIFO, socket or device)",
            })
    void badConfigurationStopsStartUpWithOneLine(String key, String value, String message) throws Exception {
        assertStopsWithOneLine(Map.of(key, value), message);
    }

    /**
     * Exit 2 and exactly this one line, nothing else (no stack trace). The timeout is generous: it only turns a
     * start-up that hangs into a failure.
     */
    private static void assertStopsWithOneLine(Map<String, String> env, String message) throws Exception {
        try (JarProcess jar = JarProcess.launch(env)) {
            assertThat(jar.awaitExit(Duration.ofSeconds(60))).as(jar.output()).isEqualTo(2);
            assertThat(jar.output()).isEqualTo("vertx-classifier: invalid configuration: " + message);
        }
    }

    @Test
    void aSelfReferencingAliasStopsStartUpWithOneLine() throws Exception {
        Path file = yaml("HTTP_HOST: &a [*a]\n"); // was 1,015 lines of StackOverflowError and exit 1
        assertStopsWithOneLine(
                Map.of("CONFIG_FILE", file.toString()),
                "cannot read configuration file " + file + ": an alias (*name) of a list or mapping is not allowed");
    }

    @Test
    void aMappingWhereAHostIsExpectedStopsStartUpWithOneLine() throws Exception {
        Path file = yaml("HTTP_HOST: {a: 1}\n"); // was exit 1 after DNS look-ups of "{a=1}"
        assertStopsWithOneLine(
                Map.of("CONFIG_FILE", file.toString()),
                "cannot read configuration file " + file
                        + ": HTTP_HOST must be a single value, not a mapping (line 1, column 12)");
    }

    @Test
    void aHugeFileIsRefusedByItsSize() throws Exception {
        Path file = dir.resolve("huge.yaml");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(50L * 1024 * 1024); // hung start-up for more than 45 s, one core busy
        }
        assertStopsWithOneLine(
                Map.of("CONFIG_FILE", file.toString()),
                "cannot read configuration file " + file
                        + ": 52428800 bytes, larger than the 65536 bytes a configuration file may have");
    }

    @Test
    void aDirectoryOrAFifoIsRefusedWithoutBlocking() throws Exception {
        assertStopsWithOneLine(
                Map.of("CONFIG_FILE", dir.toString()), "cannot read configuration file " + dir + ": is a directory");
        Path fifo = dir.resolve("fifo.yaml");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo");
        assertStopsWithOneLine(
                Map.of("CONFIG_FILE", fifo.toString()),
                "cannot read configuration file " + fifo + ": not a regular file (a FIFO, socket or device)");
    }

    @Test
    void malformedYamlAndUnknownKeysStopStartUp() throws Exception {
        Path broken = yaml("HTTP_PORT: [8080\n");
        assertStopsWithOneLine(
                Map.of("CONFIG_FILE", broken.toString()),
                "cannot read configuration file " + broken
                        + ": while parsing a flow sequence, expected ',' or ']', but got <stream end> (line 2, column 1)");
        Path typo = yaml("HTTP_PROT: 8080\n");
        try (JarProcess jar = JarProcess.launch(Map.of("CONFIG_FILE", typo.toString()))) {
            assertThat(jar.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            assertThat(jar.output())
                    .startsWith("vertx-classifier: invalid configuration: unknown configuration key 'HTTP_PROT'")
                    .doesNotContain("\n");
        }
    }

    @Test
    void aPortInUseStopsStartUpWithOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            try (JarProcess jar = JarProcess.launch(Map.of("HTTP_PORT", Integer.toString(taken.getLocalPort())))) {
                assertThat(jar.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
                assertThat(jar.output())
                        .startsWith("vertx-classifier: cannot start: ")
                        .doesNotContain("\n\tat ");
            }
        }
    }
}
