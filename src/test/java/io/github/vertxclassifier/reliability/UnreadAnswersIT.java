package io.github.vertxclassifier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.ExpectedAnswer;
import io.github.vertxclassifier.support.JarProcess;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Clients that pipeline far past the guard's bound without reading a byte, against the packaged jar: the service
 * stops reading them (back-pressure), so its resident memory stays within the documented bound per connection
 * plus a margin for the JVM's own noise; once they read, every answer arrives, in order, exact. Before the
 * back-pressure, one such client on the public port grew the service by ~193 MB; on the management port, a
 * connection with more than 128 unanswered requests was closed without an answer.
 *
 * <p>The jar runs with a fixed, pre-touched heap ({@link #JVM}), so that the heap's growth (the JVM's business) does
 * not blur what the test measures: the native memory Netty holds for unsent answers (on epoll, every answer is
 * copied into a direct buffer as it is written) and the objects that would outgrow the heap.
 *
 * <p>The test reads the kernel's socket queues ({@code /proc/net/tcp6}) to see the server stop (its queues and
 * ours no longer move), samples the service's RSS until then, and then reads.
 */
class UnreadAnswersIT {

    /** Documented bound per connection (docs/reliability.md) is far below this; the rest is the JVM's noise. */
    private static final long MARGIN_BYTES = 32L << 20;

    private static final String[] JVM = {"-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"};
    private static final Duration GIVE_UP = Duration.ofMinutes(3);

    @Test
    void twoHundredThousandUnreadRequestsOnThePublicPortHoldLittleMemory() throws Exception {
        String[] paths = {"/helloworld", "/", "/a%20b?q=1"};
        try (JarProcess jar = JarProcess.start(Map.of(), JVM)) {
            warm(jar.httpPort, i -> paths[i % paths.length], 100_000); // touches the heap the run below needs
            long before = rss(jar);
            int count = 200_000;
            try (Socket client = new Socket("127.0.0.1", jar.httpPort)) {
                CompletableFuture<Void> written = write(client, i -> paths[i % paths.length], count);
                long peak = awaitHeldBack(jar, client, before);
                assertThat(peak - before)
                        .as("RSS growth while the client reads nothing")
                        .isLessThan(MARGIN_BYTES);
                InputStream in = new BufferedInputStream(client.getInputStream(), 1 << 16);
                for (int i = 0; i < count; i++) {
                    String path = paths[i % paths.length];
                    String query = path.indexOf('?') < 0 ? path : path.substring(0, path.indexOf('?'));
                    Response response = Response.read(in);
                    assertThat(response.status()).as("answer %d", i).isEqualTo(200);
                    assertThat(response.body()).as("answer %d", i).isEqualTo(ExpectedAnswer.body(query));
                }
                written.get();
            }
        }
    }

    /**
     * Four connections, each pipelining 3,000 requests (every 30th a scrape, the rest liveness checks: about 2.3 MB
     * of answers each), none of them reading. Before the fix each of these connections was closed without an answer
     * (Netty's WebSocket handler allowed 128 unanswered requests).
     */
    @Test
    void fourConnectionsOfUnreadScrapesOnTheManagementPortHoldLittleMemory() throws Exception {
        IntFunction<String> paths = i -> i % 30 == 0 ? "/metrics" : "/health/live";
        try (JarProcess jar = JarProcess.start(Map.of(), JVM)) {
            List<CompletableFuture<Void>> warming = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                warming.add(CompletableFuture.runAsync(() -> warm(jar.managementPort, paths, 600)));
            }
            CompletableFuture.allOf(warming.toArray(CompletableFuture[]::new)).get();
            long before = rss(jar);
            int count = 3_000;
            List<Socket> clients = new ArrayList<>();
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            try {
                for (int c = 0; c < 4; c++) {
                    Socket client = new Socket("127.0.0.1", jar.managementPort);
                    clients.add(client);
                    writes.add(write(client, paths, count));
                }
                long peak = before;
                for (Socket client : clients) {
                    peak = Math.max(peak, awaitHeldBack(jar, client, before));
                }
                assertThat(peak - before)
                        .as("RSS growth while 4 clients read nothing")
                        .isLessThan(MARGIN_BYTES);
                for (Socket client : clients) {
                    InputStream in = new BufferedInputStream(client.getInputStream(), 1 << 16);
                    for (int i = 0; i < count; i++) {
                        Response response = Response.read(in);
                        assertThat(response.status()).as("answer %d", i).isEqualTo(200);
                        assertThat(response.body())
                                .as("answer %d", i)
                                .contains(i % 30 == 0 ? "classifier_ready" : "\"outcome\":\"UP\"");
                    }
                }
                for (CompletableFuture<Void> write : writes) {
                    write.get();
                }
            } finally {
                for (Socket client : clients) {
                    client.close();
                }
            }
        }
    }

    /** Pipelines {@code count} requests in batches over one connection and reads every answer. */
    private static void warm(int port, IntFunction<String> paths, int count) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            int batch = 500;
            for (int from = 0; from < count; from += batch) {
                int n = Math.min(batch, count - from);
                socket.getOutputStream().write(requests(paths, from, n));
                for (int i = 0; i < n; i++) {
                    assertThat(Response.read(in).status()).isEqualTo(200);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] requests(IntFunction<String> paths, int from, int n) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i < from + n; i++) {
            text.append("GET ").append(paths.apply(i)).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes the requests in a thread of its own: it blocks once the server stops reading, until we read. */
    private static CompletableFuture<Void> write(Socket client, IntFunction<String> paths, int count) {
        return CompletableFuture.runAsync(
                () -> {
                    try {
                        OutputStream out = client.getOutputStream();
                        for (int from = 0; from < count; from += 1_000) {
                            out.write(requests(paths, from, Math.min(1_000, count - from)));
                        }
                        out.flush();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                runnable -> new Thread(runnable, "unread-writer").start());
    }

    /**
     * Waits until the server holds this connection back: the kernel holds bytes for it (unsent answers, or requests
     * the server does not read) and the four queues of the connection (send and receive, both ends) are unchanged
     * over 20 samples in a row: they only move while the server reads or writes. Returns the highest RSS seen
     * meanwhile; fails as soon as it passes the margin.
     */
    private static long awaitHeldBack(JarProcess jar, Socket client, long before) throws Exception {
        long deadline = System.nanoTime() + GIVE_UP.toNanos();
        long peak = before;
        String last = "";
        int same = 0;
        while (same < 20) {
            assertThat(System.nanoTime()).as("the server never stopped reading").isLessThan(deadline);
            long rss = rss(jar);
            peak = Math.max(peak, rss);
            assertThat(rss - before)
                    .as("RSS growth while the client reads nothing")
                    .isLessThan(MARGIN_BYTES);
            long[] server = queues(client.getPort(), client.getLocalPort());
            long[] ours = queues(client.getLocalPort(), client.getPort());
            String now = server[0] + "/" + server[1] + "/" + ours[0] + "/" + ours[1];
            same = server[0] + server[1] > 0 && now.equals(last) ? same + 1 : 0;
            last = now;
            Thread.sleep(50); // a sampling interval, not a wait for an outcome
        }
        System.out.printf(
                "UnreadAnswersIT: RSS %d MiB before, peak growth %.1f MiB while held back%n",
                before >> 20, (peak - before) / (double) (1 << 20));
        return peak;
    }

    /**
     * {tx_queue, rx_queue} of the socket from {@code localPort} to {@code remotePort}: in /proc/net/tcp, or in tcp6
     * for the server's side (Netty's epoll sockets are dual-stack).
     */
    private static long[] queues(int localPort, int remotePort) throws IOException {
        String local = String.format(Locale.ROOT, ":%04X", localPort);
        String remote = String.format(Locale.ROOT, ":%04X", remotePort);
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length > 4 && fields[1].endsWith(local) && fields[2].endsWith(remote)) {
                    String[] queue = fields[4].split(":");
                    return new long[] {Long.parseLong(queue[0], 16), Long.parseLong(queue[1], 16)};
                }
            }
        }
        return new long[] {0, 0};
    }

    /** The service's resident set, from /proc/PID/status. */
    private static long rss(JarProcess jar) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + jar.process().pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) << 10;
            }
        }
        throw new IllegalStateException("no VmRSS for the service");
    }

    /** One response with a Content-Length body, read from a stream of them. */
    record Response(int status, String head, String body) {
        static Response read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed after " + head.size() + " bytes of a head: " + head);
                }
                head.write(b);
                matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            int length = 0;
            for (String line : text.split("\r\n")) {
                if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            return new Response(
                    Integer.parseInt(text.substring(9, 12)), text, new String(body, StandardCharsets.ISO_8859_1));
        }
    }
}
