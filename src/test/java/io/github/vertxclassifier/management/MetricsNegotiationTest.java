package io.github.vertxclassifier.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.github.vertxclassifier.support.RawHttp;
import io.github.vertxclassifier.support.RunningService;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code /metrics} answers the format the scraper's {@code Accept} ranks highest (RFC 9110 §12.5.1, q-values
 * §12.4.2), over real sockets: q=0 excludes, media types compare case-insensitively, the most specific range
 * decides, and with nothing acceptable left the answer is text 0.0.4.
 */
class MetricsNegotiationTest {

    private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private static final String PROTOBUF =
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
    private static final String PROTOBUF_RANGE =
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

    @RegisterExtension
    static final RunningService service = new RunningService();

    static Stream<Arguments> accepts() {
        return Stream.of(
                arguments("no Accept", null, TEXT),
                arguments("curl's default", "*/*", TEXT),
                arguments("q=0 on OpenMetrics", "application/openmetrics-text;q=0, text/plain;version=0.0.4", TEXT),
                arguments("q=0.0 on OpenMetrics beats */*", "application/openmetrics-text; q=0.0, */*", TEXT),
                arguments("q=0 on text, */* for the rest", "text/plain;q=0, */*;q=0.5", OPENMETRICS),
                arguments("Q=0 in capitals", "application/openmetrics-text;Q=0,text/plain;q=0.1", TEXT),
                arguments("upper-case media type", "APPLICATION/OPENMETRICS-TEXT; VERSION=1.0.0", OPENMETRICS),
                arguments("mixed-case media type without parameters", "Application/OpenMetrics-Text", OPENMETRICS),
                arguments(
                        "upper-case text over q=0.5 OpenMetrics",
                        "TEXT/PLAIN, application/openmetrics-text;q=0.5",
                        TEXT),
                arguments(
                        "a version not written here",
                        "text/plain;version=1.0.0, application/openmetrics-text;q=0.5",
                        OPENMETRICS),
                arguments(
                        "OpenMetrics 0.0.1 only: nothing acceptable",
                        "application/openmetrics-text;version=0.0.1",
                        TEXT),
                arguments(
                        "all q=0: text all the same",
                        "application/openmetrics-text;q=0, text/plain;q=0, */*;q=0",
                        TEXT),
                arguments("a quoted version", "application/openmetrics-text;q=0.5, text/plain;version=\"0.0.4\"", TEXT),
                arguments("application/* prefers OpenMetrics", "application/*", OPENMETRICS),
                arguments("protobuf", PROTOBUF_RANGE, PROTOBUF),
                arguments(
                        "protobuf, mixed case",
                        "Application/Vnd.Google.Protobuf;Proto=io.prometheus.client.MetricFamily;"
                                + "Encoding=delimited;q=0.9, text/plain;q=0.5",
                        PROTOBUF),
                arguments("protobuf q=0", PROTOBUF_RANGE + ";q=0, */*;q=0.1", TEXT),
                // Headers no scraper sends: never a 5xx, the text format.
                arguments("a lone quote as a parameter's value", "application/openmetrics-text;version=\"", TEXT),
                arguments("a lone quote in the last of two ranges", "application/*;q=0.5, text/plain;version=\"", TEXT),
                arguments("a quoted string runs to the end", "application/openmetrics-text;a=\";q=0", OPENMETRICS),
                arguments("no media type", ";;;,,,", TEXT),
                arguments("a slash alone", "/", TEXT),
                arguments("a q that is no number", "application/openmetrics-text;q=abc", OPENMETRICS),
                arguments("an empty q", "application/openmetrics-text;q=", OPENMETRICS),
                arguments("q=NaN", "application/openmetrics-text;q=NaN", TEXT),
                // What Debian's Prometheus 2.42.0 sends (captured from its scrape), and with native histograms on.
                arguments(
                        "Prometheus 2.42",
                        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                                + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                        OPENMETRICS),
                arguments(
                        "Prometheus 2.42 with native histograms",
                        PROTOBUF_RANGE + ",application/openmetrics-text;"
                                + "version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,"
                                + "*/*;q=0.1",
                        PROTOBUF),
                // Prometheus 3's default.
                arguments(
                        "Prometheus 3",
                        "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
                                + "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
                                + "text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
                        OPENMETRICS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepts")
    void metricsAnswerTheAcceptedFormat(String name, String accept, String contentType) {
        RawHttp.Exchange answer = accept == null
                ? ManagementHttp.get(service.managementPort(), "/metrics")
                : ManagementHttp.get(service.managementPort(), "/metrics", "Accept: " + accept);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(RawHttp.header(answer, "content-type")).isEqualTo(contentType);
        assertThat(RawHttp.header(answer, "vary")).isEqualToIgnoringCase("accept");
        switch (contentType) {
            case TEXT ->
                assertThat(answer.body())
                        .contains("# TYPE classifier_requests_total counter")
                        .doesNotContain("# EOF");
            case OPENMETRICS ->
                assertThat(answer.body())
                        .contains("# TYPE classifier_requests counter")
                        .endsWith("# EOF\n");
            default ->
                assertThat(metricFamilyNames(answer.body().getBytes(StandardCharsets.ISO_8859_1)))
                        .contains("classifier_requests_total", "classifier_ready", "jvm_threads_live_threads");
        }
    }

    @Test
    void anAcceptHeaderVertxWebCannotParseIsDisregarded() {
        // vertx-web parses Accept, Accept-Charset, -Encoding and -Language together, sorting each list.
        RawHttp.Exchange answer = ManagementHttp.get(
                service.managementPort(),
                "/metrics",
                "Accept: application/openmetrics-text",
                "Accept-Language: de, en;x=\"");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(RawHttp.header(answer, "content-type")).isEqualTo(TEXT);
    }

    /**
     * The names of delimited protobuf {@code MetricFamily} messages: each is a varint length and the message,
     * whose field 1 (tag 0x0A) is the name; the messages must cover the body exactly.
     */
    private static List<String> metricFamilyNames(byte[] body) {
        List<String> names = new ArrayList<>();
        int at = 0;
        while (at < body.length) {
            int[] length = varint(body, at);
            int message = length[1];
            assertThat(body[message]).as("field 1, the name, at %d", message).isEqualTo((byte) 0x0A);
            int[] nameLength = varint(body, message + 1);
            names.add(new String(body, nameLength[1], nameLength[0], StandardCharsets.UTF_8));
            at = message + length[0];
        }
        assertThat(at).as("the messages end where the body ends").isEqualTo(body.length);
        return names;
    }

    /** The varint at {@code at}, and where the bytes after it start. */
    private static int[] varint(byte[] bytes, int at) {
        int value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = bytes[at++];
            value |= (b & 0x7F) << shift;
            if (b >= 0) {
                return new int[] {value, at};
            }
        }
    }
}
