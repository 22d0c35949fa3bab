package io.github.vertxclassifier.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.InProcessService;
import io.github.vertxclassifier.support.RawHttp;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The request-header deadline and the connection limit, over real sockets. */
class ConnectionGuardTest {

    /**
     * RFC 9110 15.5.9: 408 means the server timed out waiting for a request. The deadline applies to a partial
     * request pipelined behind a complete one, on both ports.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aPartialRequestPipelinedBehindACompleteOneGets408(boolean publicPort) throws Exception {
        try (InProcessService service =
                        InProcessService.start(new JsonObject().put("REQUEST_HEADER_TIMEOUT_SECONDS", 1));
                Socket client = new Socket("127.0.0.1", publicPort ? service.httpPort() : service.managementPort())) {
            String path = publicPort ? "/helloworld" : "/health/live";
            client.setSoTimeout(5_000);
            long started = System.nanoTime();
            client.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\nGET " + path
                                    + " HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                            .getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readResponse(client.getInputStream())).startsWith("HTTP/1.1 200 OK");
            String rest = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(rest).startsWith("HTTP/1.1 408 Request Timeout\r\n").contains("Connection: close");
            assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofMillis(3_500));
        }
    }

    /**
     * An idle connection never gets 408, whatever came before the silence: content sent in its own segment,
     * or an empty line after a request (RFC 9112 2.2).
     */
    @ParameterizedTest
    @ValueSource(strings = {"public content", "management content", "public crlf", "management crlf"})
    void silenceAfterARequestIsNever408(String variant) throws Exception {
        boolean publicPort = variant.startsWith("public");
        try (InProcessService service =
                        InProcessService.start(new JsonObject().put("REQUEST_HEADER_TIMEOUT_SECONDS", 1));
                Socket client = new Socket("127.0.0.1", publicPort ? service.httpPort() : service.managementPort())) {
            String path = publicPort ? "/helloworld" : "/health/live";
            client.setSoTimeout(3_500);
            OutputStream out = client.getOutputStream();
            if (variant.endsWith("content")) {
                out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                Thread.sleep(300);
                out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
            } else {
                out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            String answer = readResponse(client.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 200 OK");
            if (variant.endsWith("crlf")) {
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1)); // in its own segment, after the answer
            }
            String later;
            try {
                later = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (java.net.SocketTimeoutException silent) {
                later = ""; // still open and silent after 3.5 s: the idle timeout's business
            }
            assertThat(later).as("after %s", variant).isEmpty();
        }
    }

    @Test
    void aTricklingRequestGets408WhileOthersAreServed() throws Exception {
        try (InProcessService service =
                        InProcessService.start(new JsonObject().put("REQUEST_HEADER_TIMEOUT_SECONDS", 1));
                Socket slow = new Socket("127.0.0.1", service.httpPort())) {
            slow.setSoTimeout(5_000);
            OutputStream out = slow.getOutputStream();
            long started = System.nanoTime();
            String partial = "GET /helloworld HTTP/1.1\r\nHost: x\r\nX-Slow: ";
            String answer = "";
            for (int i = 0; i < 40 && answer.isEmpty(); i++) {
                try {
                    out.write(partial.charAt(i % partial.length()));
                    out.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
                Thread.sleep(100);
                if (slow.getInputStream().available() > 0) {
                    answer = new String(slow.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                }
                // Everyone else is served meanwhile.
                assertThat(RawHttp.exchange(service.httpPort(), RawHttp.get("/"))
                                .status())
                        .isEqualTo(200);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout\r\n").contains("Connection: close");
            assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofMillis(3_500));
        }
    }

    @Test
    void keepAliveRequestsWithPausesBetweenThemAreNotTimedOut() throws Exception {
        try (InProcessService service =
                        InProcessService.start(new JsonObject().put("REQUEST_HEADER_TIMEOUT_SECONDS", 1));
                Socket client = new Socket("127.0.0.1", service.httpPort())) {
            client.setSoTimeout(3_000);
            for (int i = 0; i < 3; i++) {
                client.getOutputStream().write(RawHttp.get("/helloworld"));
                assertThat(readResponse(client.getInputStream())).startsWith("HTTP/1.1 200 OK");
                Thread.sleep(1_600); // idle between requests is the idle timeout's business, not the header deadline's
            }
        }
    }

    @Test
    void connectionsBeyondTheLimitGet503AndTheOthersAreServed() throws Exception {
        try (InProcessService service = InProcessService.start(new JsonObject().put("MAX_CONNECTIONS", 3))) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket socket = new Socket("127.0.0.1", service.httpPort());
                    socket.setSoTimeout(3_000);
                    socket.getOutputStream().write(RawHttp.get("/"));
                    assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200 OK");
                    held.add(socket);
                }
                RawHttp.Exchange rejected = RawHttp.exchange(service.httpPort(), RawHttp.get("/"));
                assertThat(rejected.status()).isEqualTo(503);
                assertThat(RawHttp.header(rejected, "retry-after")).isEqualTo("1");
                assertThat(rejected.closedByServer()).isTrue();
                // The held connections are still served.
                held.get(0).getOutputStream().write(RawHttp.get("/helloworld"));
                assertThat(readResponse(held.get(0).getInputStream())).startsWith("HTTP/1.1 200 OK");
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
            // Once they are gone, new connections are accepted again.
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            int status = -1;
            while (status != 200 && System.nanoTime() < deadline) {
                status = RawHttp.exchange(service.httpPort(), RawHttp.get("/")).status();
                Thread.sleep(50);
            }
            assertThat(status).isEqualTo(200);
        }
    }

    /** Reads one response with a Content-Length body. */
    private static String readResponse(InputStream in) throws Exception {
        StringBuilder text = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return text.toString();
            }
            text.append((char) b);
            int headEnd = text.indexOf("\r\n\r\n");
            if (headEnd >= 0) {
                String length = RawHttp.header(
                        new RawHttp.Exchange(text.toString().getBytes(StandardCharsets.ISO_8859_1), false),
                        "content-length");
                int bodyLength = length == null ? 0 : Integer.parseInt(length);
                byte[] body = in.readNBytes(bodyLength);
                return text + new String(body, StandardCharsets.ISO_8859_1);
            }
        }
    }
}
