package io.github.vertxclassifier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.JarProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow and idle clients against the packaged jar: a request trickled byte by byte gets 408 and is closed
 * after REQUEST_HEADER_TIMEOUT_SECONDS (on both ports) while other clients are served; an idle keep-alive
 * connection is closed after IDLE_TIMEOUT_SECONDS.
 */
class SlowClientIT {

    private static final byte[] TRICKLED = "GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII);
    private static JarProcess jar;

    /**
     * The idle timeout keeps its default (60 s) here: it is not reset by the bytes of an incomplete request
     * (Vert.x counts decoded messages), so with IDLE_TIMEOUT_SECONDS below REQUEST_HEADER_TIMEOUT_SECONDS a
     * trickler is closed by the idle timeout, silently, before the 408 (reported; see docs/reliability.md).
     */
    @BeforeAll
    static void start() throws Exception {
        jar = JarProcess.start(Map.of("REQUEST_HEADER_TIMEOUT_SECONDS", "2"));
    }

    @AfterAll
    static void stop() throws Exception {
        jar.close();
    }

    /** What a trickling client saw: the bytes the server sent, when (after the first byte), and how many it sent. */
    record Trickle(String answer, Duration closedAfter, int bytesSent) {}

    /** Sends one byte every 300 ms (each byte resets the idle timeout) until the server answers and closes. */
    static Trickle trickle(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(300); // the pause between bytes is a read that waits for the server
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            long first = System.nanoTime();
            int sent = 0;
            long deadline = first + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < deadline) {
                if (sent < TRICKLED.length && answer.size() == 0) {
                    try {
                        socket.getOutputStream().write(TRICKLED[sent]);
                        socket.getOutputStream().flush();
                        sent++;
                    } catch (IOException closed) {
                        // the server closed while we were trickling; read what it said
                    }
                }
                int read;
                try {
                    read = in.read();
                } catch (SocketTimeoutException pause) {
                    continue;
                } catch (IOException reset) {
                    read = -1;
                }
                if (read < 0) {
                    return new Trickle(
                            answer.toString(StandardCharsets.ISO_8859_1),
                            Duration.ofNanos(System.nanoTime() - first),
                            sent);
                }
                answer.write(read);
            }
            throw new AssertionError("still open 15 s after the first byte; " + sent + " bytes sent, received: "
                    + answer.toString(StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void aTricklingClientGets408AndIsClosedWhileOthersAreServed() throws Exception {
        AtomicBoolean trickling = new AtomicBoolean(true);
        AtomicInteger served = new AtomicInteger();
        CompletableFuture<Void> normal = CompletableFuture.runAsync(() -> {
            try (KeepAliveConnection connection = new KeepAliveConnection(jar.httpPort)) {
                while (trickling.get()) {
                    KeepAliveConnection.Response response = connection.exchange(KeepAliveConnection.get("/helloworld"));
                    if (response.status() != 200) {
                        throw new AssertionError("a normal client got " + response.status());
                    }
                    served.incrementAndGet();
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        CompletableFuture<Trickle> management = CompletableFuture.supplyAsync(() -> {
            try {
                return trickle(jar.managementPort);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Trickle publicPort;
        try {
            publicPort = trickle(jar.httpPort);
        } finally {
            trickling.set(false);
        }
        normal.get(10, TimeUnit.SECONDS);

        SoftAssertions soft = new SoftAssertions(); // both ports reported, whichever fails
        checkTimedOut(soft, "public port", publicPort);
        try {
            checkTimedOut(soft, "management port", management.get(20, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
            soft.fail("management port: " + e.getCause().getMessage());
        }
        soft.assertThat(served.get())
                .as("requests a normal client got answered meanwhile")
                .isGreaterThan(10);
        soft.assertAll();
    }

    private static void checkTimedOut(SoftAssertions soft, String port, Trickle trickle) {
        soft.assertThat(trickle.answer())
                .as("%s: answer to a trickled request", port)
                .startsWith("HTTP/1.1 408 ");
        soft.assertThat(trickle.answer().toLowerCase()).as(port).contains("connection: close");
        // Deadline 2 s after the first byte, checked once a second: 2..3 s, 4 s allowed.
        soft.assertThat(trickle.closedAfter())
                .as("%s: closed after", port)
                .isBetween(Duration.ofMillis(1900), Duration.ofSeconds(4));
        soft.assertThat(trickle.bytesSent())
                .as("%s: bytes trickled before the 408", port)
                .isLessThan(TRICKLED.length);
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (JarProcess idleJar = JarProcess.start(Map.of("IDLE_TIMEOUT_SECONDS", "1"));
                KeepAliveConnection connection = new KeepAliveConnection(idleJar.httpPort)) {
            assertThat(connection
                            .exchange(KeepAliveConnection.get("/helloworld"))
                            .status())
                    .isEqualTo(200);
            long answered = System.nanoTime();
            assertThat(connection.closedWithin(5_000)).as("closed while idle").isTrue();
            Duration idle = Duration.ofNanos(System.nanoTime() - answered);
            assertThat(idle)
                    .as("closed after (IDLE_TIMEOUT_SECONDS=1)")
                    .isBetween(Duration.ofMillis(900), Duration.ofSeconds(3));
        }
    }
}
