package io.github.vertxclassifier.http.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.http.ConformanceTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The scanner alone: its verdicts, and that they do not depend on how the bytes are split into reads (a head
 * may arrive one byte at a time).
 */
class RequestHeadScannerTest {

    /** Scans {@code request} cut into pieces of {@code piece} bytes: the verdicts of the heads in order. */
    private static List<String> verdicts(byte[] request, int piece) {
        RequestHeadScanner scanner = new RequestHeadScanner();
        List<String> verdicts = new ArrayList<>();
        for (int from = 0; from < request.length; from += piece) {
            ByteBuf bytes = Unpooled.wrappedBuffer(request, from, Math.min(piece, request.length - from));
            int at = bytes.readerIndex();
            while (at < bytes.writerIndex()) {
                int next = scanner.scan(bytes, at, bytes.writerIndex());
                if (next == RequestHeadScanner.MALFORMED) {
                    verdicts.add("bad: " + scanner.problem());
                    return verdicts;
                }
                if (next == RequestHeadScanner.NEED_MORE) {
                    break;
                }
                long length = scanner.contentLength();
                verdicts.add(length == 0 ? "ok" : length < 0 ? "ok, chunked" : "ok, content " + length);
                if (length != 0) {
                    return verdicts; // content is not the scanner's business
                }
                at = next;
            }
        }
        return verdicts;
    }

    static Stream<String> corpus() throws IOException {
        String text = new String(
                ConformanceTest.class
                        .getResourceAsStream("conformance/cases.txt")
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        return text.lines()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split("\\|", 4)[3].trim().replace("{path}", "/p")
                        + "GET /p HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n");
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void theVerdictDoesNotDependOnHowTheBytesArrive(String escaped) {
        byte[] request = ConformanceTest.unescape(escaped);
        List<String> whole = verdicts(request, request.length);
        assertThat(whole).isNotEmpty();
        for (int piece : new int[] {1, 2, 3, 4, 5, 6, 7, 9, 13, 64}) {
            assertThat(verdicts(request, piece))
                    .as("in pieces of %d bytes", piece)
                    .isEqualTo(whole);
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|ok",
                "GET / HTTP/1.0\\r\\n\\r\\n|ok",
                "\\r\\n\\r\\nGET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|ok",
                "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\n\\r\\nabc|ok, content 3",
                "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n|ok, chunked",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 0\\r\\n\\r\\n|ok",
                "GET / HTTP/1.1\\r\\nContent-Length: 1\\r\\nContent-length: 1\\r\\nHost: x\\r\\n\\r\\n|bad: more than one Content-Length",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1 2\\r\\n\\r\\n|bad: invalid Content-Length",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1234567890123456789\\r\\n\\r\\n|bad: invalid Content-Length",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 1\\r\\n\\r\\n|bad: Transfer-Encoding with Content-Length",
                "GET / HTTP/1.0\\r\\nTRANSFER-ENCODING: chunked\\r\\n\\r\\n|bad: Transfer-Encoding in HTTP/1.0",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\n\\tb\\r\\n\\r\\n|bad: obs-fold or whitespace before a field line",
                "GET / HTTP/1.1\\r\\nHosts: x\\r\\n\\r\\n|bad: HTTP/1.1 request without Host",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nHost: x\\r\\n\\r\\n|bad: more than one Host",
                "GET / HTTP/1.1\\r\\nHost: [v1.x]:80\\r\\n\\r\\n|ok",
                "GET / HTTP/1.1\\r\\nHost: a%2Fb\\r\\n\\r\\n|ok",
                "GET / HTTP/1.1\\r\\nHost: a%2\\r\\n\\r\\n|bad: invalid Host",
                "GET / HTTP/1.1\\r\\nHost: [::1]x\\r\\n\\r\\n|bad: invalid Host",
                "GET / HTTP/1.2\\r\\nHost: x\\r\\n\\r\\n|bad: HTTP version other than 1.1 or 1.0",
                "GET / \\xffHTTP/1.0\\r\\n\\r\\n|bad: HTTP version other than 1.1 or 1.0",
                "GET / xHTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|bad: HTTP version other than 1.1 or 1.0",
                "GET /\\tHTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|ok",
                "GET /\\x7f HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|bad: control byte in the request line",
                "GET /helloworldhelloworld\\x7fhelloworld HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|bad: control byte in the request line",
                "GET /helloworldhelloworld\\x00helloworld HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|bad: control byte in the request line",
                "GET /helloworld\\nhelloworld HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|bad: bare LF in the request line",
                "GET /helloworld\\xee\\xff\\x80helloworld?helloworld HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|ok",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: \\x7f\\r\\n\\r\\n|bad: control byte in a field value",
                // Values that are not checked go 8 bytes at a time: what they may not hold, past the first 8
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: helloworldhelloworld\\x7fhelloworld\\r\\n\\r\\n|bad: control byte in a field value",
                "GET / HTTP/1.1\\r\\nX-A: helloworldhelloworld\\x00helloworld\\r\\nHost: x\\r\\n\\r\\n|bad: control byte in a field value",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: helloworldhelloworld\\nX-B: 1\\r\\n\\r\\n|bad: bare LF in a field line",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: helloworldhelloworld\\rX-B: 1\\r\\n\\r\\n|bad: bare CR in a field line",
                "GET / HTTP/1.1\\r\\nX-A: helloworld\\thelloworld\\xee\\xff\\x80helloworld\\r\\nHost: x\\r\\n\\r\\n|ok",
                "GET / HTTP/1.1\\r\\nUser-Agent: helloworldhelloworld\\r\\nHost: x\\r\\nHost: y\\r\\n\\r\\n|bad: more than one Host",
                "POST / HTTP/1.1\\r\\nTransfer-Encoding: chunked, helloworld\\r\\nHost: x\\r\\nContent-Length: 1\\r\\n\\r\\n|bad: Transfer-Encoding with Content-Length",
            })
    void verdicts(String escaped, String verdict) {
        assertThat(verdicts(ConformanceTest.unescape(escaped), Integer.MAX_VALUE / 2))
                .containsExactly(verdict);
    }
}
