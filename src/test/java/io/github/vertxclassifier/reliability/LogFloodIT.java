package io.github.vertxclassifier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.ExpectedAnswer;
import io.github.vertxclassifier.support.JarProcess;
import io.github.vertxclassifier.support.RawHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Log flooding is an outage too: hundreds of malformed requests and connections reset mid-request leave the
 * service's log (its stdout/stderr) as it was, give or take a handful of lines, with no stack trace.
 */
class LogFloodIT {

    private static final int CONNECTIONS = 500;
    private static final String[] KINDS = {
        "random bytes, then close",
        "HTTP/9.9",
        "414 request line",
        "431 headers",
        "half a header, then reset",
        "bad chunk",
        "TLS client hello, then close",
        "request, reset before the answer",
        "POST with 100000-byte Content-Length, 3 bytes, reset",
        "pipelined request cut mid-method, reset"
    };

    @Test
    void malformedAndResetConnectionsDoNotFloodTheLog() throws Exception {
        try (JarProcess jar = JarProcess.start(
                Map.of("MAX_REQUEST_LINE_BYTES", "1024", "MAX_HEADER_BYTES", "1024", "SHUTDOWN_DRAIN_SECONDS", "0"))) {
            int before = jar.output().split("\n").length;
            double openFiles = Scrape.sum(jar.managementPort, "process_files_open_files");
            Random random = new Random(42);
            StringBuilder perKind = new StringBuilder();
            for (int kind = 0; kind < KINDS.length; kind++) {
                int linesBefore = jar.output().split("\n").length;
                for (int i = 0; i < CONNECTIONS / KINDS.length; i++) {
                    hostile(i % 5 == 4 ? jar.managementPort : jar.httpPort, kind, random);
                }
                Thread.sleep(200); // for the attribution per kind only: the verdict counts every line up to the exit
                perKind.append(String.format(
                        "%n  %3d lines after %d x %s",
                        jar.output().split("\n").length - linesBefore, CONNECTIONS / KINDS.length, KINDS[kind]));
            }
            // Still serving, after all that.
            assertThat(RawHttp.exchange(jar.httpPort, RawHttp.get("/helloworld"))
                            .body())
                    .isEqualTo(ExpectedAnswer.body("/helloworld"));
            SoftAssertions soft = new SoftAssertions(); // the log, the leak check and liveness, each reported
            soft.assertThat(jar.process().isAlive()).isTrue();
            // No leak: the hostile connections' sockets are all closed again.
            soft.assertThat(Scrape.awaitAtMost(
                            jar.managementPort, "process_files_open_files", openFiles + 5, Duration.ofSeconds(5)))
                    .as("open files after %d hostile connections (before: %.0f)", CONNECTIONS, openFiles)
                    .isLessThanOrEqualTo(openFiles + 5);
            // Everything logged until the process has exited (nothing can come later), but the shutdown's own lines.
            jar.terminate();
            soft.assertThat(jar.awaitExit(Duration.ofSeconds(30)))
                    .as("exit code")
                    .isZero();
            String[] lines = jar.output().split("\n");
            String added = Arrays.stream(lines, Math.min(before, lines.length), lines.length)
                    .filter(line -> !line.contains("draining for") && !line.endsWith(" stopped"))
                    .collect(Collectors.joining("\n"));
            soft.assertThat(added.isEmpty() ? 0 : added.split("\n").length)
                    .as(
                            "lines logged for %d hostile connections (1 in 5 on the management port):%s"
                                    + "%nlines:%n%s",
                            CONNECTIONS, perKind, added)
                    .isLessThanOrEqualTo(5);
            soft.assertThat(added).doesNotContain("Exception").doesNotContain("\tat ");
            soft.assertAll();
        }
    }

    /** One hostile connection of kind {@code kind}. */
    private static void hostile(int port, int kind, Random random) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(2_000);
            byte[] garbage = new byte[64];
            random.nextBytes(garbage);
            byte[] payload = switch (kind) {
                case 0 -> garbage; // random bytes
                case 1 -> "GET / HTTP/9.9\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
                case 2 ->
                    ("GET /" + "a".repeat(2000) + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1); // 414
                case 3 ->
                    ("GET / HTTP/1.1\r\nX: " + "b".repeat(2000) + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1); // 431
                case 4 -> "GET / HTTP/1.1\r\nHost: x\r\nContent-Le".getBytes(StandardCharsets.ISO_8859_1); // then reset
                case 5 ->
                    "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".getBytes(StandardCharsets.ISO_8859_1);
                case 6 ->
                    "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003"
                            .getBytes(StandardCharsets.ISO_8859_1);
                case 7 ->
                    "GET /helloworld HTTP/1.1\r\nHost: x\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1); // reset before reading
                case 8 ->
                    "POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\nabc"
                            .getBytes(StandardCharsets.ISO_8859_1); // then reset
                default ->
                    "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET".getBytes(StandardCharsets.ISO_8859_1); // pipelined, cut
            };
            try {
                socket.getOutputStream().write(payload);
                socket.getOutputStream().flush();
            } catch (IOException closedEarly) {
                return;
            }
            if (kind == 0 || kind == 6) {
                return; // incomplete request line: just go away (FIN)
            }
            if (kind == 4 || kind == 7 || kind == 8 || kind == 9) {
                socket.setSoLinger(true, 0); // close() sends a reset, mid-request or before the answer is read
                return;
            }
            try {
                socket.getInputStream().readAllBytes(); // the 4xx and the close
            } catch (IOException resetOrSilent) {
                // fine: we only care about what the service logs
            }
        }
    }
}
