package io.github.vertxclassifier.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.ExpectedAnswer;
import io.github.vertxclassifier.support.RawHttp;
import io.github.vertxclassifier.support.RunningService;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pipelining of any depth, in one write, on both ports (RFC 9112 9.3.2): every request is answered, in order. The
 * management port answers asynchronously; before the guard's back-pressure and with Vert.x's WebSocket
 * compression on, 129 requests there got no answer at all (Netty's WebSocket handler closed the connection past
 * 128 unanswered requests). Also: every accepted connection on both ports has the guard.
 */
class PipeliningTest {

    private static final Pattern DATE_HEADER =
            Pattern.compile("(?i)\r\ndate: (?-i:" + RawHttp.IMF_FIXDATE.pattern() + ")\r\n");

    @RegisterExtension
    static final RunningService service = new RunningService();

    @ParameterizedTest
    @ValueSource(ints = {128, 129, 1000})
    void pipelinedHealthChecksOnTheManagementPortAreAllAnsweredInOrder(int count) throws IOException {
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < count; i++) {
            requests.append("GET /health/")
                    .append(i % 2 == 0 ? "live" : "ready")
                    .append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        try (Socket socket = new Socket("127.0.0.1", service.managementPort())) {
            socket.setSoTimeout(30_000); // only bounds a failure: every read below waits for bytes
            socket.getOutputStream().write(requests.toString().getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int i = 0; i < count; i++) {
                String answer = readAnswer(in);
                assertThat(answer)
                        .as("answer %d of %d", i, count)
                        .startsWith("HTTP/1.1 200 OK\r\n")
                        .contains(i % 2 == 0 ? "\"id\":\"event-loops\"" : "\"id\":\"lifecycle\"");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 20_000})
    void pipelinedRequestsOnThePublicPortAreAllAnsweredInOrder(int count) throws IOException {
        String[] paths = {"/helloworld", "/", "/abc"};
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < count; i++) {
            requests.append("GET ").append(paths[i % paths.length]).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        try (Socket socket = new Socket("127.0.0.1", service.httpPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(requests.toString().getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int i = 0; i < count; i++) {
                String answer = readAnswer(in);
                assertThat(answer)
                        .as("answer %d of %d", i, count)
                        .startsWith("HTTP/1.1 200 OK\r\n")
                        .endsWith("\r\n\r\n" + ExpectedAnswer.body(paths[i % paths.length]));
            }
        }
    }

    /**
     * Every connection the servers accept has the guard: many connections per port (spread over both event loops),
     * each sending a head that only the guard refuses (Netty's decoder alone folds obs-fold and serves it), each
     * answered 400 with a Date and closed.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyAcceptedConnectionHasTheGuard(boolean publicPort) throws IOException {
        int port = publicPort ? service.httpPort() : service.managementPort();
        String path = publicPort ? "/helloworld" : "/health/live";
        byte[] folded =
                ("GET " + path + " HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 24; i++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(30_000);
                socket.getOutputStream().write(folded);
                String all =
                        new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1); // to the close
                assertThat(all).as("connection %d", i).startsWith("HTTP/1.1 400 Bad Request\r\n");
                assertThat(DATE_HEADER.matcher(all).find())
                        .as("Date in %s", all)
                        .isTrue();
            }
        }
    }

    /** One answer with a Content-Length body. */
    static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0D0A0D0A) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head.size() + " bytes of an answer");
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }
}
