package io.github.vertxclassifier.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.ExpectedAnswer;
import io.github.vertxclassifier.support.RawHttp;
import io.github.vertxclassifier.support.RunningService;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance corpus ({@code conformance/cases.txt}, each case citing its RFC 9110/9112 section) played
 * over real sockets against the real service, on the public and the management port: the status, whether the
 * server closes, that a well-formed request pipelined behind a closing answer is never answered, that a refusal
 * carries a Date (RFC 9110 6.6.1) and, to a HEAD, no content (RFC 9110 9.3.2). Every exchange waits for an
 * event: the server closing, or the answers expected having arrived whole.
 */
public class ConformanceTest {

    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length: *(\\d+)");
    private static final Pattern ESCAPE = Pattern.compile("\\\\(?:x([0-9a-fA-F]{2})|(.))");
    /** Only bounds an exchange that fails: every exchange ends on an event. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RunningService service = new RunningService();

    @BeforeAll
    static void firstAnswers() {
        // A first answer from each port.
        byte[] close =
                "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(statuses(send(service.httpPort(), close).text())).containsExactly(200);
        assertThat(statuses(send(service.managementPort(), close).text())).containsExactly(200);
    }

    record Case(String name, String rfc, String expectation, String request) {
        @Override
        public String toString() {
            return name + " (" + rfc + ")";
        }
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> arguments = new ArrayList<>();
        try (InputStream in = ConformanceTest.class.getResourceAsStream("conformance/cases.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split("\\|", 4);
                Case c = new Case(fields[0].trim(), fields[1].trim(), fields[2].trim(), fields[3].trim());
                arguments.add(Arguments.of(c, "public"));
                arguments.add(Arguments.of(c, "management"));
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{1} port: {0}")
    @MethodSource("cases")
    void corpus(Case c, String port) {
        String path = port.equals("public") ? "/helloworld" : "/health/live";
        byte[] request =
                unescape(c.request().replace("{path}", path) + "GET " + path + " HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n");
        int answers = c.expectation().equals("ok keep") ? 2 : Integer.MAX_VALUE; // else: until the server closes
        RawHttp.Exchange exchange =
                send(port.equals("public") ? service.httpPort() : service.managementPort(), request, answers);
        List<Integer> statuses = statuses(exchange.text());
        String seen = c + " on the " + port + " port got " + printable(exchange.text());
        switch (c.expectation()) {
            case "400 close", "400 head close" -> {
                assertThat(statuses).as(seen).containsExactly(400);
                assertThat(RawHttp.header(exchange, "connection")).as(seen).isEqualToIgnoringCase("close");
                assertThat(RawHttp.header(exchange, "date")).as(seen).matches(RawHttp.IMF_FIXDATE);
                assertThat(exchange.closedByServer()).as(seen).isTrue();
                if (c.expectation().startsWith("400 head")) {
                    assertThat(exchange.text()).as(seen).endsWith("\r\n\r\n"); // the head, and no content after it
                }
            }
            case "ok close" -> {
                assertThat(statuses).as(seen).containsExactly(200);
                assertThat(exchange.closedByServer()).as(seen).isTrue();
            }
            case "ok keep" -> {
                assertThat(statuses).as(seen).containsExactly(200, 200);
                assertThat(exchange.closedByServer()).as(seen).isFalse();
            }
            default -> throw new IllegalArgumentException("unknown expectation in " + c);
        }
    }

    /** RFC 9110 4.2.3, RFC 9112 3.2.2: an absolute-form target without a path has the path "/". */
    @ParameterizedTest
    @ValueSource(strings = {"http://x", "http://x?q=1", "HTTP://x:80", "http://x/"})
    void absoluteFormWithoutPathClassifiesTheRootPath(String target) {
        RawHttp.Exchange exchange = RawHttp.exchange(service.httpPort(), RawHttp.get(target));
        assertThat(exchange.status()).as(target).isEqualTo(200);
        assertThat(exchange.body()).as(target).isEqualTo(ExpectedAnswer.body("/"));
    }

    /**
     * RFC 9110 9.3.2, 6.6.1: a HEAD whose request line (414) or header section (431) is over the limit, which the
     * decoder gives up on before the head ends, is answered with a Date and without content, on both ports.
     */
    @ParameterizedTest
    @ValueSource(strings = {"414 public", "414 management", "431 public", "431 management"})
    void aHeadOverTheLimitsIsAnsweredWithoutContent(String variant) {
        String filler = "a".repeat(9_000);
        String request = variant.startsWith("414")
                ? "HEAD /" + filler + " HTTP/1.1\r\nHost: x\r\n\r\n"
                : "HEAD / HTTP/1.1\r\nHost: x\r\nX-A: " + filler + "\r\n\r\n";
        int port = variant.endsWith("public") ? service.httpPort() : service.managementPort();
        RawHttp.Exchange exchange = send(port, request.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(statuses(exchange.text())).as(variant).containsExactly(Integer.parseInt(variant.substring(0, 3)));
        assertThat(RawHttp.header(exchange, "date")).as(variant).matches(RawHttp.IMF_FIXDATE);
        assertThat(exchange.text()).as(variant).endsWith("\r\n\r\n");
        assertThat(exchange.closedByServer()).as(variant).isTrue();
    }

    @Test
    void absoluteFormWithPathClassifiesThePath() {
        RawHttp.Exchange exchange = RawHttp.exchange(service.httpPort(), RawHttp.get("http://x/helloworld?q"));
        assertThat(exchange.body()).isEqualTo(ExpectedAnswer.body("/helloworld"));
    }

    /** Writes everything at once, then reads until the server closes. */
    static RawHttp.Exchange send(int port, byte[] request) {
        return send(port, request, Integer.MAX_VALUE);
    }

    /** Writes everything at once, then reads until the server closes or {@code answers} whole answers arrived. */
    static RawHttp.Exchange send(int port, byte[] request, int answers) {
        return RawHttp.sendRaw(port, request, TIMEOUT, false, sofar -> wholeAnswers(sofar.text()) >= answers);
    }

    /** How many whole answers (head and Content-Length body) {@code text} holds. */
    static int wholeAnswers(String text) {
        int answers = 0;
        int at = 0;
        while (true) {
            int headEnd = text.indexOf("\r\n\r\n", at);
            if (headEnd < 0) {
                return answers;
            }
            Matcher length = CONTENT_LENGTH.matcher(text.substring(at, headEnd));
            int end = headEnd + 4 + (length.find() ? Integer.parseInt(length.group(1)) : 0);
            if (end > text.length()) {
                return answers;
            }
            answers++;
            at = end;
        }
    }

    /**
     * The status of each response in {@code text}, read in sequence: a status line, headers, then as many body
     * bytes as Content-Length says (a body need not end with a newline, so the next response may follow on the
     * same line). Stops at anything that is not a whole response.
     */
    static List<Integer> statuses(String text) {
        List<Integer> statuses = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            Matcher status = STATUS_LINE.matcher(text).region(at, text.length());
            int headEnd = text.indexOf("\r\n\r\n", at);
            if (!status.lookingAt() || headEnd < 0) {
                break;
            }
            statuses.add(Integer.parseInt(status.group(1)));
            Matcher length = CONTENT_LENGTH.matcher(text.substring(at, headEnd));
            at = headEnd + 4 + (length.find() ? Integer.parseInt(length.group(1)) : 0);
        }
        return statuses;
    }

    public static byte[] unescape(String escaped) {
        StringBuilder out = new StringBuilder();
        Matcher escape = ESCAPE.matcher(escaped);
        int at = 0;
        while (escape.find()) {
            out.append(escaped, at, escape.start());
            if (escape.group(1) != null) {
                out.append((char) Integer.parseInt(escape.group(1), 16));
            } else {
                out.append(
                        switch (escape.group(2).charAt(0)) {
                            case 'r' -> '\r';
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case '\\' -> '\\';
                            default -> throw new IllegalArgumentException("unknown escape in " + escaped);
                        });
            }
            at = escape.end();
        }
        return out.append(escaped.substring(at)).toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static String printable(String text) {
        return text.replace("\r", "\\r").replace("\n", "\\n");
    }
}
