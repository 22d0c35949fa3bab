package io.github.vertxclassifier.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vertxclassifier.support.JarProcess;
import io.github.vertxclassifier.support.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * The management port bound to another interface is reachable there only, and nothing sensitive (the
 * environment, stack traces, configuration values such as the config file's path) is in any response of
 * either port, good requests or bad.
 */
class ExposureIT {

    private static final String SECRET = "s3cr3t-value";
    private static final String MANAGEMENT_HOST = "127.0.0.2"; // Linux loopback answers all of 127/8

    @Test
    void managementOnItsOwnInterfaceAndNothingSensitiveOnEitherPort() throws Exception {
        Path configDir = Files.createTempDirectory("reliability-secret-config");
        Path config = configDir.resolve("classifier-private-settings.yaml");
        Files.writeString(config, "METRICS_ENABLED: true\nSHUTDOWN_DRAIN_SECONDS: 0\n");
        Map<String, String> env = Map.of(
                "MANAGEMENT_HOST", MANAGEMENT_HOST, "CLASSIFIER_TEST_SECRET", SECRET, "CONFIG_FILE", config.toString());
        try (JarProcess jar = JarProcess.launch(env)) {
            awaitReady(jar, MANAGEMENT_HOST);

            // Management: reachable on its interface, refused on another.
            assertThat(exchange(MANAGEMENT_HOST, jar.managementPort, RawHttp.get("/health/live")))
                    .startsWith("HTTP/1.1 200 ");
            assertThatThrownBy(() -> exchange("127.0.0.1", jar.managementPort, RawHttp.get("/health/live")))
                    .as("management port on 127.0.0.1")
                    .isInstanceOf(ConnectException.class);

            Map<String, byte[]> requests = new LinkedHashMap<>();
            for (String path : new String[] {
                "/metrics",
                "/health/live",
                "/health/ready",
                "/health",
                "/",
                "/env",
                "/metrics?x=%00",
                "/../../etc/passwd",
                "/helloworld"
            }) {
                requests.put("GET " + path, RawHttp.get(path));
            }
            requests.put("POST /metrics", RawHttp.request("POST", "/metrics"));
            requests.put("DELETE /", RawHttp.request("DELETE", "/"));
            requests.put("HTTP/9.9", "GET / HTTP/9.9\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            requests.put("garbage", "\u0000\u0001 ZZZ\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            requests.put("bad header", "GET / HTTP/1.1\r\nno colon here\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            requests.put(
                    "long line",
                    ("GET /" + "x".repeat(10_000) + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            requests.put(
                    "big header",
                    ("GET / HTTP/1.1\r\nX: " + "y".repeat(10_000) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            requests.put(
                    "bad chunk",
                    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
            requests.put("absolute", RawHttp.get("http://evil.example/metrics"));
            int answers = 0;
            StringBuilder all = new StringBuilder();
            SoftAssertions soft = new SoftAssertions(); // every leak and every bad answer reported at once
            for (Map.Entry<String, byte[]> request : requests.entrySet()) {
                for (String[] target : new String[][] {
                    {"public", "127.0.0.1", Integer.toString(jar.httpPort)},
                    {"management", MANAGEMENT_HOST, Integer.toString(jar.managementPort)}
                }) {
                    String answer = exchange(target[1], Integer.parseInt(target[2]), request.getValue());
                    String what = request.getKey() + " on the " + target[0] + " port";
                    soft.assertThat(answer)
                            .as(what)
                            .doesNotContain(SECRET)
                            .doesNotContain("CLASSIFIER_TEST_SECRET")
                            .doesNotContain("Exception")
                            .doesNotContain("\tat ")
                            .doesNotContain(config.toString())
                            .doesNotContain("classifier-private-settings")
                            .doesNotContain(configDir.getFileName().toString())
                            .doesNotContain("PATH=")
                            .doesNotContain("JAVA_HOME");
                    if (!answer.isEmpty()) {
                        answers++;
                        soft.assertThat(answer).as(what).matches("(?s)HTTP/1\\.[01] [24]\\d\\d .*");
                    }
                    all.append(answer);
                }
            }
            soft.assertAll();
            assertThat(answers).as("answers checked").isGreaterThan(2 * requests.size() - 4);
            // The scrape really is the full exposition, so "nothing sensitive in it" means something.
            assertThat(all).contains("jvm_memory_used_bytes").contains("classifier_requests_total");
        } finally {
            Files.deleteIfExists(config);
            Files.deleteIfExists(configDir);
        }
    }

    private static void awaitReady(JarProcess jar, String host) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!jar.process().isAlive()) {
                throw new IllegalStateException("the service exited:\n" + jar.output());
            }
            try {
                if (exchange(host, jar.managementPort, RawHttp.get("/health/ready"))
                        .startsWith("HTTP/1.1 200 ")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("not ready:\n" + jar.output());
    }

    /** Sends {@code request}; reads one whole response, or until the server closes, or 2 s of silence. */
    private static String exchange(String host, int port, byte[] request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2_000);
            socket.setSoTimeout(2_000);
            try {
                socket.getOutputStream().write(request);
            } catch (IOException closedEarly) {
                // answered and closed before we finished writing: read what came
            }
            InputStream in = socket.getInputStream();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[65536];
            try {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                    if (isWholeResponse(out.toString(StandardCharsets.ISO_8859_1))) {
                        break;
                    }
                }
            } catch (IOException resetOrSilent) {
                // what came is what we check
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static boolean isWholeResponse(String text) {
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return false;
        }
        for (String line : text.substring(0, headEnd).split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                return text.length() - headEnd - 4
                        >= Integer.parseInt(line.substring(15).trim());
            }
        }
        return false;
    }
}
