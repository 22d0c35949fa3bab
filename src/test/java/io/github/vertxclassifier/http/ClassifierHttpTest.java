package io.github.vertxclassifier.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.ExpectedAnswer;
import io.github.vertxclassifier.support.InProcessService;
import io.github.vertxclassifier.support.RawHttp;
import io.github.vertxclassifier.support.RawHttp.Exchange;
import io.github.vertxclassifier.support.RunningService;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The public port, spoken to over real sockets, byte for byte. */
class ClassifierHttpTest {

    private static final String HELLOWORLD_BODY =
            "navytux.spb.ru:\t5\nwww.nexedi.com:\t10\nlab.nexedi.com:\t10\nwww.erp5.com:\t10\ntotal:\t11\n";

    @RegisterExtension
    static final RunningService service = new RunningService();

    private static Exchange send(byte[] request) {
        return RawHttp.exchange(service.httpPort(), request);
    }

    private static Exchange get(String target) {
        return send(RawHttp.get(target));
    }

    private static String header(Exchange exchange, String name) {
        return RawHttp.header(exchange, name);
    }

    @Test
    void helloworldIsTheSeedsAnswer() {
        Exchange exchange = get("/helloworld");
        assertThat(exchange.text()).startsWith("HTTP/1.1 200 OK\r\n");
        assertThat(header(exchange, "content-type")).isEqualTo("text/plain");
        assertThat(header(exchange, "content-length")).isEqualTo("83");
        assertThat(header(exchange, "date")).matches(RawHttp.IMF_FIXDATE);
        assertThat(exchange.body()).isEqualTo(HELLOWORLD_BODY);
        assertThat(exchange.body().getBytes(StandardCharsets.ISO_8859_1)).hasSize(83);
        assertThat(exchange.closedByServer()).as("keep-alive").isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/",
                "/a%20b",
                "/%25%3F%00",
                "/helloworld?x=1&y=%2F",
                "/?only=query",
                "/x#frag",
                "/metrics",
                "/health/ready",
                "//double//slash"
            })
    void pathsAreClassifiedRawAndWithoutTheQuery(String target) {
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        Exchange exchange = get(target);
        assertThat(exchange.status()).isEqualTo(200);
        assertThat(exchange.body()).isEqualTo(ExpectedAnswer.body(path));
    }

    @Test
    void absoluteFormTargetsClassifyTheirPath() {
        assertThat(get("http://example.com/helloworld?q=1").body()).isEqualTo(HELLOWORLD_BODY);
        // RFC 9110 4.2.3: no path is the path "/", as for origin-form "GET /" (issue 12).
        assertThat(get("http://example.com").body()).isEqualTo(ExpectedAnswer.body("/"));
    }

    @Test
    void everyPrintableByteAndEveryHighByte() {
        StringBuilder printable = new StringBuilder("/");
        for (char ch = 0x21; ch < 0x7F; ch++) {
            if (ch != '?' && ch != '#') {
                printable.append(ch);
            }
        }
        assertThat(get(printable.toString()).body()).isEqualTo(ExpectedAnswer.body(printable.toString()));
        for (int ch = 0x21; ch <= 0xFF; ch++) {
            if (ch == '?' || ch == 0x7F) {
                continue;
            }
            String path = "/" + (char) ch;
            assertThat(get(path).body()).as("byte 0x%02x", ch).isEqualTo(ExpectedAnswer.body(path));
        }
    }

    @Test
    void headAnswersTheSameHeadersWithoutBody() {
        Exchange exchange = send(RawHttp.request("HEAD", "/helloworld"));
        assertThat(exchange.status()).isEqualTo(200);
        assertThat(header(exchange, "content-type")).isEqualTo("text/plain");
        assertThat(header(exchange, "content-length")).isEqualTo("83");
        assertThat(exchange.text()).endsWith("\r\n\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"})
    void otherMethodsGet405WithAllow(String method) {
        Exchange exchange = send(RawHttp.request(method, "/helloworld"));
        assertThat(exchange.status()).isEqualTo(405);
        assertThat(header(exchange, "allow")).isEqualTo("GET, HEAD");
    }

    @Test
    void aLargeBodyOnAWrongMethodIsAnsweredAndTheConnectionStaysUsable() {
        byte[] body = "x".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
        byte[] head =
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] next = RawHttp.get("/helloworld");
        byte[] request = new byte[head.length + body.length + next.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        System.arraycopy(next, 0, request, head.length + body.length, next.length);
        Exchange exchange = send(request);
        assertThat(exchange.status()).isEqualTo(405);
        assertThat(exchange.text()).endsWith(HELLOWORLD_BODY);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        String pipeline = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /helloworld HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /helloworld HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /a%20b?c HTTP/1.1\r\nHost: x\r\n\r\n";
        Exchange exchange = send(pipeline.getBytes(StandardCharsets.US_ASCII));
        String text = exchange.text();
        assertThat(text.split("HTTP/1.1 200 OK\r\n", -1)).hasSize(5);
        int first = text.indexOf(ExpectedAnswer.body("/"));
        int second = text.indexOf(HELLOWORLD_BODY);
        int fourth = text.indexOf(ExpectedAnswer.body("/a%20b"));
        assertThat(first).isGreaterThan(0);
        assertThat(second).isGreaterThan(first);
        assertThat(fourth).isGreaterThan(second);
        assertThat(text.indexOf(HELLOWORLD_BODY, second + 1))
                .as("HEAD has no body")
                .isEqualTo(-1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "foo", "/a\u0001b", "http:/x", "example.com:443"})
    void targetsThatAreNotPathsGet400(String target) {
        Exchange exchange = get(target);
        assertThat(exchange.status()).isEqualTo(400);
    }

    @Test
    void tooLongTargetGets414AndTooLargeHeadersGet431() {
        Exchange uri = get("/" + "a".repeat(9000));
        assertThat(uri.status()).isEqualTo(414);
        assertThat(uri.closedByServer()).isTrue();
        byte[] headers = ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        Exchange big = send(headers);
        assertThat(big.status()).isEqualTo(431);
        assertThat(big.closedByServer()).isTrue();
        // Just under the limits still works.
        assertThat(get("/" + "a".repeat(8000)).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "garbage\r\n\r\n",
                "GET /x HTTP/9.9\r\nHost: x\r\n\r\n",
                "GET /x HTTP/2.0\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
                "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                "\u0000\u0001\u0002\r\n\r\n"
            })
    void malformedRequestsGet400NeverA5xx(String request) {
        Exchange exchange = send(request.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(exchange.status()).isEqualTo(400);
        assertThat(exchange.closedByServer()).isTrue();
        assertThat(get("/helloworld").body()).as("still serving").isEqualTo(HELLOWORLD_BODY);
    }

    @Test
    void tableModeServesIdenticalAnswers() throws Exception {
        try (InProcessService table = InProcessService.start(new JsonObject().put("CLASSIFIER_ALGORITHM", "table"))) {
            for (String target :
                    new String[] {"/", "/helloworld", "/a%20b?x", "/\u00ee\u00ff\u0080", "/" + "helloworld".repeat(100)
                    }) {
                assertThat(RawHttp.exchange(table.httpPort(), RawHttp.get(target))
                                .body())
                        .isEqualTo(get(target).body());
            }
        }
    }

    @Test
    void drainingTellsKeepAliveClientsToReconnect() throws Exception {
        try (InProcessService draining = InProcessService.start()) {
            draining.service().lifecycle().draining();
            Exchange exchange =
                    RawHttp.exchange(draining.httpPort(), RawHttp.get("/helloworld"), Duration.ofSeconds(2));
            assertThat(exchange.body()).isEqualTo(HELLOWORLD_BODY);
            assertThat(header(exchange, "connection")).isEqualTo("close");
            assertThat(exchange.closedByServer()).isTrue();
        }
    }
}
