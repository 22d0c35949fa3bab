package io.github.vertxclassifier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.ExpectedAnswer;
import io.github.vertxclassifier.support.JarProcess;
import io.github.vertxclassifier.support.RawHttp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Connection floods against the packaged jar over real sockets: 1000 concurrent keep-alive connections are
 * all served, and beyond {@code MAX_CONNECTIONS} the extra connections get a clean 503 while the others
 * keep being served.
 */
class ConnectionFloodIT {

    @Test
    void thousandKeepAliveConnectionsAreServedWithoutErrors() throws Exception {
        try (JarProcess jar = JarProcess.start(Map.of("INSTANCES", "2"))) {
            double openFiles = Scrape.sum(jar.managementPort, "process_files_open_files");
            Wrk.Result result = Wrk.run(
                    List.of(
                            "-t2",
                            "-c1000",
                            "-d5s",
                            "--timeout",
                            "5s",
                            "http://127.0.0.1:" + jar.httpPort + "/helloworld"),
                    60);
            assertThat(result.requests()).as(result.output()).isGreaterThan(1000);
            assertThat(result.socketErrors())
                    .as("socket errors (connect/read/write/timeout):\n%s", result.output())
                    .isZero();
            assertThat(result.non2xx3xx())
                    .as("non-2xx responses:\n%s", result.output())
                    .isZero();
            assertThat(jar.process().isAlive()).isTrue();
            assertThat(RawHttp.exchange(jar.managementPort, RawHttp.get("/health/live"))
                            .status())
                    .isEqualTo(200);
            assertThat(RawHttp.exchange(jar.httpPort, RawHttp.get("/helloworld"))
                            .body())
                    .isEqualTo(ExpectedAnswer.body("/helloworld"));
            // No leak: once wrk's 1000 connections are gone, so are their sockets.
            assertThat(Scrape.awaitAtMost(
                            jar.managementPort,
                            "process_files_open_files",
                            openFiles + 10,
                            java.time.Duration.ofSeconds(10)))
                    .as("open files after the flood (before: %.0f)", openFiles)
                    .isLessThanOrEqualTo(openFiles + 10);
        }
    }

    @Test
    void connectionsBeyondTheLimitGetA503AndTheOthersKeepBeingServed() throws Exception {
        int limit = 50;
        int flood = 200;
        try (JarProcess jar = JarProcess.start(Map.of("MAX_CONNECTIONS", Integer.toString(limit)))) {
            List<KeepAliveConnection> admitted = new ArrayList<>();
            List<KeepAliveConnection> extra = new ArrayList<>();
            try {
                for (int i = 0; i < limit; i++) {
                    KeepAliveConnection connection = new KeepAliveConnection(jar.httpPort);
                    admitted.add(connection);
                    assertThat(connection
                                    .exchange(KeepAliveConnection.get("/helloworld"))
                                    .status())
                            .as("connection %d", i)
                            .isEqualTo(200);
                }
                for (int i = limit; i < flood; i++) {
                    extra.add(new KeepAliveConnection(jar.httpPort));
                }
                int i = limit;
                for (KeepAliveConnection connection : extra) {
                    // The answer comes at once, before any request.
                    KeepAliveConnection.Response response = connection.read();
                    assertThat(response.status())
                            .as("connection %d over the limit of %d", i, limit)
                            .isEqualTo(503);
                    assertThat(response.header("Retry-After")).isEqualTo("1");
                    assertThat(response.close()).as("Connection: close").isTrue();
                    assertThat(connection.closedWithin(2_000))
                            .as("closed at once")
                            .isTrue();
                    i++;
                }
                assertThat(RawHttp.exchange(jar.managementPort, RawHttp.get("/health/live"))
                                .status())
                        .isEqualTo(200);
                // The admitted connections are still served, on the same keep-alive connections.
                for (KeepAliveConnection connection : admitted) {
                    KeepAliveConnection.Response response = connection.exchange(KeepAliveConnection.get("/helloworld"));
                    assertThat(response.status()).isEqualTo(200);
                    assertThat(response.body()).isEqualTo(ExpectedAnswer.body("/helloworld"));
                }
            } finally {
                closeAll(extra);
                closeAll(admitted);
            }
            // Once they are gone, new connections are admitted again (the count drops as the server sees the closes).
            long deadline = System.nanoTime() + 5_000_000_000L;
            int status = -1;
            while (System.nanoTime() < deadline && status != 200) {
                status = RawHttp.exchange(jar.httpPort, RawHttp.get("/helloworld"))
                        .status();
                Thread.sleep(status == 200 ? 0 : 100);
            }
            assertThat(status).as("a new connection after the others closed").isEqualTo(200);
            List<KeepAliveConnection> again = new ArrayList<>();
            try {
                for (int i = 0; i < limit - 1; i++) { // the limit is free again, not just one slot
                    KeepAliveConnection connection = new KeepAliveConnection(jar.httpPort);
                    again.add(connection);
                    assertThat(connection.exchange(KeepAliveConnection.get("/")).status())
                            .isEqualTo(200);
                }
            } finally {
                closeAll(again);
            }
            assertThat(jar.process().isAlive()).isTrue();
            assertThat(RawHttp.exchange(jar.managementPort, RawHttp.get("/health/live"))
                            .status())
                    .isEqualTo(200);
        }
    }

    private static void closeAll(List<KeepAliveConnection> connections) throws IOException {
        for (KeepAliveConnection connection : connections) {
            connection.close();
        }
    }
}
