package io.github.vertxclassifier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.vertxclassifier.support.ExpectedAnswer;
import io.github.vertxclassifier.support.InProcessService;
import io.github.vertxclassifier.support.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of request handling over real sockets: the real service (2 instances, in this
 * JVM, so that Jazzer's coverage of Netty's decoder, Vert.x and the service guides the mutations) gets
 * arbitrary bytes, or a request assembled from fuzzed parts, on a fresh connection, then an end of stream.
 * Whatever it sends back must be nothing, or responses with a 2xx or 4xx status, never a 5xx or a stack trace;
 * the server must close the connection (it got end of stream) rather than hang; it must log no warning or
 * error for it (log flooding is an outage too); and a normal client on another connection still gets the
 * right answer.
 *
 * <p>On a busy machine the JVM (instrumented by Jazzer while fuzzing) can be starved of CPU for seconds. Both
 * time-based checks ask the event loops ({@link EventLoopThreads}) instead of trusting the clock: a silent
 * connection fails only once the loops are idle and still nothing came, and Vert.x's blocked-thread warning
 * counts only when the loop spent the limit in CPU time, not in waiting for a CPU (nor in Jazzer instrumenting the
 * classes it loads).
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the committed inputs in {@code HttpFuzzTestInputs/}.
 */
class HttpFuzzTest {

    private static final Pattern STATUS_LINE = Pattern.compile("(?:^|\r\n)HTTP/1\\.[01] (\\d{3}) ");
    private static final String[] METHODS = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH", "PRI", "get", "G\u00c9T", ""
    };
    private static final String[] VERSIONS = {
        "HTTP/1.1",
        "HTTP/1.0",
        "HTTP/2.0",
        "HTTP/9.9",
        "HTTP/0.9",
        "http/1.1",
        "HTTP/1.1 ",
        "HTTP/1",
        "",
        "HTTP/11.1",
        "HTTP/1.1\u0000"
    };
    private static final String[] HEADER_NAMES = {
        "Host",
        "Content-Length",
        "Transfer-Encoding",
        "Connection",
        "Expect",
        "Upgrade",
        "HTTP2-Settings",
        "Content-Type",
        "X-A",
        " Host",
        "Host ",
        "",
        "\u00ff"
    };
    /** Every this many inputs, a normal client checks the service still answers correctly. */
    private static final int CHECK_EVERY = 10;
    /** How long a read waits before the event loops are asked whether anything is still to come. */
    private static final int QUIET_MS = 3000;
    /** Only so that a loop that never comes back fails the test instead of hanging it. */
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(120);

    private static final String BLOCKED_THREAD_CHECKER = "io.vertx.core.impl.BlockedThreadChecker";
    private static final EventLoopThreads LOOPS = new EventLoopThreads();

    private static InProcessService service;
    private static long inputs;
    /** Warnings and errors the server logs (java.util.logging, as Vert.x does here): none per request allowed. */
    private static final Queue<LogRecord> LOGGED = new ConcurrentLinkedQueue<>();

    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            String logger = record.getLoggerName() == null ? "" : record.getLoggerName();
            if (record.getLevel().intValue() < Level.WARNING.intValue()
                    || !(logger.startsWith("io.vertx")
                            || logger.startsWith("io.netty")
                            || logger.startsWith("io.github"))) {
                return;
            }
            String excuse =
                    logger.equals(BLOCKED_THREAD_CHECKER) ? LOOPS.excuse(String.valueOf(record.getMessage())) : null;
            if (excuse != null) {
                System.err.println("not the service's (" + excuse + "): " + record.getMessage());
                return;
            }
            LOGGED.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @AfterAll
    static void stop() throws Exception {
        Logger.getLogger("").removeHandler(CAPTURE);
        if (service != null) {
            service.close();
            service = null;
        }
    }

    // libFuzzer dictionary syntax: only \\xNN escapes, so CR LF is spelled \\x0d\\x0a.
    @DictionaryEntries({
        "GET ",
        "HEAD ",
        "POST ",
        " HTTP/1.1\\x0d\\x0a",
        " HTTP/1.0\\x0d\\x0a",
        "Host: x\\x0d\\x0a",
        "\\x0d\\x0a\\x0d\\x0a",
        "Content-Length: ",
        "Transfer-Encoding: chunked",
        "Connection: close",
        "Connection: keep-alive",
        "Expect: 100-continue",
        "Upgrade: h2c",
        "0\\x0d\\x0a\\x0d\\x0a",
        "http://h/",
        "?",
        "%",
        "PRI * HTTP/2.0"
    })
    @FuzzTest(maxDuration = "20s")
    void requestHandling(FuzzedDataProvider data) throws Exception {
        if (service == null) {
            // Started lazily, inside the fuzz target: classes load after Jazzer's agent, so they are instrumented.
            service = InProcessService.start();
            Logger.getLogger("").addHandler(CAPTURE);
        }
        int port = service.httpPort();
        byte[] request = data.consumeBoolean() ? structured(data) : data.consumeRemainingAsBytes();
        LOOPS.sample();
        // Jazzer's SSRF detector reports every connection unless told: only the service under test is reached.
        try (SilentCloseable allowed = BugDetectors.allowNetworkConnections(
                (host, to) -> to == port && ("127.0.0.1".equals(host) || "localhost".equals(host)))) {
            String answer = send(port, request);
            checkAnswer(request, answer);
            LogRecord logged = LOGGED.poll();
            if (logged != null) {
                LOGGED.clear();
                throw new AssertionError("the server logged " + logged.getLevel() + " " + logged.getLoggerName() + ": "
                        + logged.getMessage() + (logged.getThrown() == null ? "" : " (" + logged.getThrown() + ")")
                        + " for input " + printable(request));
            }
            if (++inputs % CHECK_EVERY == 1) {
                String normal = send(port, RawHttp.get("/helloworld"));
                assertThat(normal)
                        .as("a normal client after input %s", printable(request))
                        .startsWith("HTTP/1.1 200 ")
                        .endsWith("\r\n\r\n" + ExpectedAnswer.body("/helloworld"));
            }
        }
    }

    /** A request assembled from fuzzed parts: what a confused or hostile client would plausibly send. */
    private static byte[] structured(FuzzedDataProvider data) {
        StringBuilder out = new StringBuilder();
        int requests = data.consumeInt(1, 3); // pipelined
        for (int r = 0; r < requests; r++) {
            String method = data.consumeBoolean() ? data.pickValue(METHODS) : data.consumeAsciiString(8);
            String target = data.consumeBoolean() ? "/" + data.consumeString(40) : data.consumeAsciiString(40);
            String version = data.consumeBoolean() ? data.pickValue(VERSIONS) : data.consumeAsciiString(10);
            out.append(method)
                    .append(data.consumeBoolean() ? " " : data.pickValue(new String[] {"  ", "\t", ""}))
                    .append(target)
                    .append(' ')
                    .append(version)
                    .append(data.consumeBoolean() ? "\r\n" : "\n");
            int headers = data.consumeInt(0, 6);
            for (int h = 0; h < headers; h++) {
                String name = data.consumeBoolean() ? data.pickValue(HEADER_NAMES) : data.consumeAsciiString(12);
                out.append(name)
                        .append(data.consumeBoolean() ? ": " : ":")
                        .append(data.consumeString(30))
                        .append("\r\n");
            }
            out.append("\r\n");
            if (data.consumeBoolean()) {
                out.append(data.consumeString(60)); // a body, or garbage between requests
            }
        }
        byte[] head = out.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] tail = data.consumeRemainingAsBytes();
        byte[] request = new byte[head.length + tail.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(tail, 0, request, head.length, tail.length);
        return request;
    }

    /**
     * Writes the input, ends the stream, and reads until the server closes, as it must. Silence alone is no
     * failure: after {@link #QUIET_MS} without a byte the event loops are asked, and only when they were idle (waiting
     * for I/O, nothing left to run) at two checks in a row, with nothing received between them, has the server left
     * the connection hanging. A loop that is busy or starved of CPU is waited for.
     */
    private static String send(int port, byte[] request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), QUIET_MS);
            socket.setSoTimeout(QUIET_MS);
            try {
                socket.getOutputStream().write(request);
                socket.shutdownOutput();
            } catch (IOException closedEarly) {
                // the server closed before everything was written: read what it answered
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            long giveUp = System.nanoTime() + GIVE_UP_NANOS;
            boolean idleBefore = false;
            while (true) {
                int read;
                try {
                    read = socket.getInputStream().read(buffer);
                } catch (SocketTimeoutException silent) {
                    boolean idle = LOOPS.idle();
                    if ((idle && idleBefore) || System.nanoTime() - giveUp > 0) {
                        throw new AssertionError("the server neither answered nor closed after end of stream"
                                + (idle
                                        ? " while its event loops were idle"
                                        : " in " + GIVE_UP_NANOS / 1_000_000_000 + " s")
                                + ", after " + printable(request) + "; got " + printable(answer.toByteArray()));
                    }
                    idleBefore = idle;
                    continue;
                } catch (SocketException reset) {
                    read = -1; // a reset is a close too
                }
                if (read < 0) {
                    return answer.toString(StandardCharsets.ISO_8859_1);
                }
                answer.write(buffer, 0, read);
                idleBefore = false;
            }
        }
    }

    static void checkAnswer(byte[] request, String answer) {
        if (answer.isEmpty()) {
            return; // nothing + close
        }
        String input = printable(request);
        // An HTTP/1.x status line, whatever version the request claimed (finding: "GET / *P/2.0" was answered
        // "*P/2.0 400 Bad Request", the request's bogus version echoed; input finding-bogus-version-echoed-...).
        assertThat(answer).as("answer to %s", input).matches("(?s)HTTP/1\\.[01] \\d{3} .*");
        assertThat(answer).as("answer to %s", input).doesNotContain("Exception").doesNotContain("\tat ");
        Matcher status = STATUS_LINE.matcher(answer);
        int responses = 0;
        while (status.find()) {
            responses++;
            int code = Integer.parseInt(status.group(1));
            // 2xx or 4xx; 100 Continue is the interim answer to "Expect: 100-continue".
            assertThat(code == 100 || code / 100 == 2 || code / 100 == 4)
                    .as(
                            "status %d of a response to %s: %s",
                            code, input, printable(answer.getBytes(StandardCharsets.ISO_8859_1)))
                    .isTrue();
        }
        assertThat(responses)
                .as("responses in %s", printable(answer.getBytes(StandardCharsets.ISO_8859_1)))
                .isPositive();
    }

    static String printable(byte[] bytes) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < Math.min(bytes.length, 400); i++) {
            int b = bytes[i] & 0xFF;
            if (b >= 0x20 && b < 0x7F && b != '\\' && b != '"') {
                out.append((char) b);
            } else {
                out.append(String.format("\\x%02x", b));
            }
        }
        return out.append(bytes.length > 400 ? "\"... (" + bytes.length + " bytes)" : "\"")
                .toString();
    }
}
