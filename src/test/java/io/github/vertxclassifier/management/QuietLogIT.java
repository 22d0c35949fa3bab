package io.github.vertxclassifier.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.vertxclassifier.support.JarProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A clean start, a first request on each port and a SIGTERM log nothing above INFO, on the JDK running the
 * build and on JDK 25 (the image's runtime) where this machine has it. A WARNING at start-up is the kind of
 * line an operator learns to ignore, and then misses the one that matters.
 */
class QuietLogIT {

    /** Temurin 25 where Debian machines here install it; JAVA25_HOME names another place. */
    private static final Path JDK_25 =
            Path.of(System.getenv().getOrDefault("JAVA25_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"));

    static Stream<Path> jdks() {
        return Stream.of(Path.of(System.getProperty("java.home")), JDK_25);
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void startFirstRequestsAndStopLogOnlyInfo(Path javaHome) throws Exception {
        assumeTrue(Files.isExecutable(javaHome.resolve("bin/java")), "no JDK at " + javaHome + " (set JAVA25_HOME)");
        try (JarProcess jar = JarProcess.launch(javaHome, Map.of("SHUTDOWN_DRAIN_SECONDS", "0"))) {
            jar.awaitReady(Duration.ofSeconds(30));
            assertThat(ManagementHttp.get(jar.httpPort, "/helloworld").status()).isEqualTo(200);
            assertThat(ManagementHttp.get(jar.managementPort, "/metrics").status())
                    .isEqualTo(200);
            assertThat(ManagementHttp.get(jar.managementPort, "/health/live").status())
                    .isEqualTo(200);
            jar.terminate();
            assertThat(jar.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(jar.output().lines())
                    .as("log on %s", javaHome)
                    .isNotEmpty()
                    .allMatch(line -> line.matches("^\\S+ INFO \\S+ - .*"), "is an INFO record");
        }
    }
}
