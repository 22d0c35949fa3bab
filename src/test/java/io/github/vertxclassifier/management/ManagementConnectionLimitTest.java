package io.github.vertxclassifier.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.InProcessService;
import io.github.vertxclassifier.support.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The management port holds at most {@link ManagementVerticle#MAX_CONNECTIONS} connections: one more gets 503
 * with {@code Retry-After} and is closed, and once some have closed, new ones are served again.
 */
class ManagementConnectionLimitTest {

    /** A guard against a hang only: every read here ends with an answer or the server closing. */
    private static final int HANG_MILLIS = 30_000;

    @Test
    void connectionsBeyondTheLimitGet503AndClosingSomeLetNewOnesIn() throws Exception {
        try (InProcessService service = InProcessService.start()) {
            int port = service.managementPort();
            List<Held> held = new ArrayList<>();
            try {
                for (int i = 0; i < ManagementVerticle.MAX_CONNECTIONS; i++) {
                    held.add(Held.open(port)); // each answered once: accepted and counted
                }
                assertRefused(port);
                assertThat(held.get(0).ask("/health/ready", false))
                        .as("a held connection is still served")
                        .isEqualTo(200);

                // Two of them ask the server to close: once it has (the client sees the end), they no longer count.
                for (int i = 0; i < 2; i++) {
                    assertThat(held.remove(0).ask("/health/live", true)).isEqualTo(200);
                }
                held.add(Held.open(port));
                held.add(Held.open(port));
                assertRefused(port);
            } finally {
                for (Held connection : held) {
                    connection.socket.close();
                }
            }
        }
    }

    /** A new connection is answered 503 with Retry-After and closed, before it sends anything. */
    private static void assertRefused(int port) throws IOException {
        try (Socket socket = connect(port)) {
            RawHttp.Exchange refused =
                    new RawHttp.Exchange(socket.getInputStream().readAllBytes(), true);
            assertThat(refused.status()).as(refused.text()).isEqualTo(503);
            assertThat(RawHttp.header(refused, "retry-after")).isEqualTo("1");
            assertThat(RawHttp.header(refused, "connection")).isEqualTo("close");
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), HANG_MILLIS);
        socket.setSoTimeout(HANG_MILLIS);
        return socket;
    }

    /** A keep-alive connection to the management port. */
    private record Held(Socket socket) {
        private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");

        static Held open(int port) throws IOException {
            Held held = new Held(connect(port));
            assertThat(held.ask("/health/live", false)).isEqualTo(200);
            return held;
        }

        /** One request, and its status; with {@code close}, reads on until the server closes the connection. */
        int ask(String path, boolean close) throws IOException {
            socket.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + (close ? "Connection: close\r\n" : "")
                                    + "\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            String answer = close ? new String(in.readAllBytes(), StandardCharsets.ISO_8859_1) : readOne(in);
            return Integer.parseInt(answer.substring(9, 12));
        }

        /** One response with a Content-Length body. */
        private static String readOne(InputStream in) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed by the server after: " + bytes);
                }
                bytes.write(b);
                String text = bytes.toString(StandardCharsets.ISO_8859_1);
                int headEnd = text.indexOf("\r\n\r\n");
                if (headEnd >= 0) {
                    Matcher length = CONTENT_LENGTH.matcher(text.substring(0, headEnd));
                    if (!length.find()) {
                        throw new IOException("no Content-Length in: " + text);
                    }
                    in.readNBytes(Integer.parseInt(length.group(1)));
                    return text;
                }
            }
        }
    }
}
