package io.github.vertxclassifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whatever CONFIG_FILE names, loading ends at once with a configuration or one line saying what is wrong. The
 * timeouts only turn a hang into a failure (a FIFO opened for reading blocks until a writer comes).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path file(String text) throws Exception {
        Path file = dir.resolve("application.yaml");
        Files.writeString(file, text);
        return file;
    }

    private static ServiceConfig load(Path file) {
        return ConfigLoader.load(Map.of(ConfigLoader.CONFIG_FILE, file.toString()), 2);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(Path file, String reason) {
        return assertThatThrownBy(() -> load(file))
                .isInstanceOf(ServiceConfig.InvalidConfigException.class)
                .hasMessage("cannot read configuration file " + file + ": " + reason)
                .hasMessageNotContaining("\n")
                .hasMessageNotContaining("Exception");
    }

    @Test
    void theFileIsReadAndTheEnvironmentWins() throws Exception {
        Path file = file("HTTP_PORT: 8181\nINSTANCES: 3\nMETRICS_ENABLED: false\nMAX_CONNECTIONS: 1_000\n");
        ServiceConfig config =
                ConfigLoader.load(Map.of(ConfigLoader.CONFIG_FILE, file.toString(), "INSTANCES", "4"), 2);
        assertThat(config.httpPort()).isEqualTo(8181);
        assertThat(config.instances()).isEqualTo(4);
        assertThat(config.metricsEnabled()).isFalse();
        assertThat(config.maxConnections()).as("a YAML integer").isEqualTo(1000);
    }

    @Test
    void anEmptyFileOrAKeyWithoutValueMeansTheDefaults() throws Exception {
        assertThat(load(file("")).httpPort()).isEqualTo(8080);
        assertThat(load(file("# nothing\nHTTP_HOST:\n")).httpHost()).isEqualTo("0.0.0.0");
    }

    @Test
    void aSelfReferencingAliasIsRefusedInOneLine() throws Exception {
        // 19 bytes that made a list containing itself, then a StackOverflowError and 1,015 lines of stack trace.
        Path file = file("HTTP_HOST: &a [*a]\n");
        assertRefused(file, "an alias (*name) of a list or mapping is not allowed");
    }

    @Test
    void aliasesDoNotExpand() throws Exception {
        StringBuilder laughs =
                new StringBuilder("a: &a [" + String.join(",", java.util.Collections.nCopies(8, "lol")) + "]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char p = (char) (c - 1);
            laughs.append(c)
                    .append(": &")
                    .append(c)
                    .append(" [*")
                    .append(p)
                    .append(",*")
                    .append(p)
                    .append(",*")
                    .append(p)
                    .append(",*")
                    .append(p)
                    .append(",*")
                    .append(p)
                    .append(",*")
                    .append(p)
                    .append("]\n");
        }
        assertRefused(file(laughs.toString()), "an alias (*name) of a list or mapping is not allowed");
        // A scalar's alias is only a name for one value.
        Path scalar = file("HTTP_HOST: &host 127.0.0.1\nMANAGEMENT_HOST: *host\n");
        assertThat(load(scalar).managementHost()).isEqualTo("127.0.0.1");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "HTTP_HOST: {a: 1}|HTTP_HOST must be a single value, not a mapping (line 1, column 12)",
                "HTTP_HOST: [a]|HTTP_HOST must be a single value, not a list (line 1, column 12)",
                "'- HTTP_HOST: 1'|not a mapping of keys to values (line 1, column 1)",
                "HTTP_HOST: [[[[1]]]]|nested deeper than a mapping of single values",
                "'[a]: 1'|a key must be a name (line 1, column 1)",
                "'HTTP_PORT: 1\\nHTTP_PORT: 2'|'HTTP_PORT' is given twice (lines 1 and 2)",
                "'a: 1\\n---\\nb: 2'|expected a single document in the stream, but found another document (line 2, column 1)",
                "HTTP_PORT: [8080|while parsing a flow sequence, expected ',' or ']', but got <stream end> (line 1, column 17)",
                "HTTP_HOST: *nowhere|found undefined alias nowhere (line 1, column 12)",
            })
    void aDocumentThatIsNotAMappingOfSingleValuesIsRefused(String yaml, String reason) throws Exception {
        assertRefused(file(yaml.replace("\\n", "\n")), reason);
    }

    @Test
    void aFileLargerThanTheLimitIsRefusedByItsSizeWithoutReadingIt() throws Exception {
        Path large = dir.resolve("large.yaml");
        try (RandomAccessFile sparse = new RandomAccessFile(large.toFile(), "rw")) {
            sparse.setLength(50L * 1024 * 1024); // 50 MB of nothing: it hung start-up for more than 45 s
        }
        assertRefused(large, "52428800 bytes, larger than the 65536 bytes a configuration file may have");
        Path justOver = file("HTTP_HOST: " + "a".repeat(ConfigLoader.MAX_FILE_BYTES) + "\n");
        assertRefused(
                justOver,
                (ConfigLoader.MAX_FILE_BYTES + 12) + " bytes, larger than the 65536 bytes a "
                        + "configuration file may have");
    }

    @Test
    void aLongValueWithinTheLimitIsShownShortened() throws Exception {
        Path file = file("HTTP_HOST: " + "a".repeat(60_000) + "\n");
        assertThatThrownBy(() -> load(file))
                .hasMessage("HTTP_HOST must be an IP address or a host name, got '" + "a".repeat(60)
                        + "'... (60000 characters): a host name of more than 253 characters");
    }

    @Test
    void aDirectoryIsRefused() {
        assertRefused(dir, "is a directory");
    }

    @Test
    void aFifoIsRefusedWithoutOpeningIt() throws Exception {
        Path fifo = dir.resolve("fifo.yaml");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo");
        assertRefused(fifo, "not a regular file (a FIFO, socket or device)");
        assertRefused(Path.of("/dev/zero"), "not a regular file (a FIFO, socket or device)");
    }

    @Test
    void aMissingOrUnreadableFileIsSaidSo() throws Exception {
        assertRefused(dir.resolve("absent.yaml"), "no such file");
        Path bytes = dir.resolve("latin1.yaml");
        Files.write(bytes, "HTTP_HOST: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertRefused(bytes, "not UTF-8 text");
    }
}
