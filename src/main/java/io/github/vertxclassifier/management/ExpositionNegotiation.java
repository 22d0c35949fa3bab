package io.github.vertxclassifier.management;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.vertx.ext.web.MIMEHeader;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which exposition format {@code /metrics} answers for a scraper's {@code Accept} header (RFC 9110 §12.5.1):
 * Prometheus text 0.0.4, OpenMetrics 1.0.0, or protobuf (delimited {@code MetricFamily} messages, where the
 * Prometheus client's protobuf writer is on the class path).
 *
 * <ul>
 *   <li>Each format gets the q-value of the most specific media range that matches it; a format no range
 *       matches, or whose range says {@code q=0}, is not acceptable (RFC 9110 §12.4.2).</li>
 *   <li>Media types compare case-insensitively (RFC 9110 §8.3.1). A range's {@code version}, {@code proto} and
 *       {@code encoding} parameters must name what the writer writes (a range for OpenMetrics 0.0.1 or text
 *       1.0.0 does not match); other parameters ({@code escaping}, {@code charset}) do not decide, since the
 *       metric names here are plain ASCII in every scheme.</li>
 *   <li>The highest q wins. On a tie, the range vertx-web ranks first (the more specific, then the one listed
 *       first), then text, OpenMetrics, protobuf.</li>
 *   <li>When nothing acceptable is left the answer is text 0.0.4 rather than 406, as Prometheus' own client
 *       libraries do (RFC 9110 §12.5.1 allows either): every scraper reads it, and a 406 would only turn a
 *       scraper's odd header into a gap in its data.</li>
 * </ul>
 *
 * The header is parsed by vertx-web ({@code RoutingContext.parsedHeaders().accept()}), which splits the ranges
 * (quoted strings included), separates {@code q} from the other parameters and reads q=0 as 0. Only the
 * matching is done here: vertx-web sorts the ranges by q plus a bonus for specificity (q=0.48 on
 * {@code text/plain} before q=0.5 on {@code *}/{@code *}) where the most specific matching range should decide
 * a format's q, its {@code isPermitted()} is true for q=0, and it lower-cases a subtype only when parameters
 * follow it. One of its limits stays: it keeps two decimals of a q-value, so {@code q=0.001} reads as 0.
 */
final class ExpositionNegotiation {

    /** What /metrics can write, in the order taken when the scraper's ranges don't decide. */
    private enum Format {
        TEXT("text", "plain", Map.of("version", "0.0.4")),
        OPENMETRICS("application", "openmetrics-text", Map.of("version", "1.0.0")),
        PROTOBUF(
                "application",
                "vnd.google.protobuf",
                Map.of("proto", "io.prometheus.client.MetricFamily", "encoding", "delimited"));

        private final String type;
        private final String subtype;
        private final Map<String, String> parameters;

        Format(String type, String subtype, Map<String, String> parameters) {
            this.type = type;
            this.subtype = subtype;
            this.parameters = parameters;
        }

        /** How specific {@code range} is when it matches this format ({@code *}/{@code *} is 0), or -1. */
        int specificity(MIMEHeader range) {
            String rangeType = range.component().trim().toLowerCase(Locale.ROOT);
            String rangeSubtype = range.subComponent().trim().toLowerCase(Locale.ROOT);
            if (rangeType.equals("*") && rangeSubtype.equals("*")) {
                return parametersMatch(range) ? range.parameters().size() : -1;
            }
            if (!rangeType.equals(type) || !(rangeSubtype.equals("*") || rangeSubtype.equals(subtype))) {
                return -1;
            }
            int specificity = rangeSubtype.equals("*") ? 1 : 2;
            return parametersMatch(range) ? specificity + range.parameters().size() : -1;
        }

        private boolean parametersMatch(MIMEHeader range) {
            for (Map.Entry<String, String> parameter : range.parameters().entrySet()) {
                String ours = parameters.get(parameter.getKey().trim().toLowerCase(Locale.ROOT));
                if (ours != null && !ours.equalsIgnoreCase(parameter.getValue().trim())) {
                    return false;
                }
            }
            return true;
        }
    }

    private final ExpositionFormats formats;

    ExpositionNegotiation(ExpositionFormats formats) {
        this.formats = formats;
    }

    /** The writer for the request's {@code Accept}. */
    ExpositionFormatWriter writerFor(RoutingContext ctx) {
        return writerFor(parsedAccept(ctx));
    }

    /**
     * The ranges of {@code Accept} as vertx-web parses them (empty without the header), or none when it can't:
     * vertx-web 5.1.6 throws on a parameter value that is a lone quote ({@code text/plain;version="}), while
     * sorting the ranges or when one is first read. RFC 9110 §12.5.1 lets a server disregard the header.
     */
    private static List<MIMEHeader> parsedAccept(RoutingContext ctx) {
        try {
            List<MIMEHeader> accept = ctx.parsedHeaders().accept();
            accept.forEach(MIMEHeader::component); // parses each range now: the first read is the one that throws
            return accept;
        } catch (RuntimeException unparsable) {
            return List.of();
        }
    }

    private ExpositionFormatWriter writerFor(List<MIMEHeader> accept) {
        Format chosen = Format.TEXT;
        float chosenQ = 0;
        int chosenRank = Integer.MAX_VALUE;
        for (Format format : Format.values()) {
            if (!writer(format).isAvailable()) {
                continue;
            }
            // RFC 9110 §12.5.1: the most specific range that matches a format gives its q-value.
            int specificity = -1;
            int rank = -1;
            for (int i = 0; i < accept.size(); i++) {
                int matched = format.specificity(accept.get(i));
                if (matched > specificity) {
                    specificity = matched;
                    rank = i;
                }
            }
            float q = rank < 0 ? 0 : accept.get(rank).weight();
            if (q > chosenQ || q == chosenQ && q > 0 && rank < chosenRank) {
                chosen = format;
                chosenQ = q;
                chosenRank = rank;
            }
        }
        return writer(chosen);
    }

    private ExpositionFormatWriter writer(Format format) {
        return switch (format) {
            case TEXT -> formats.getPrometheusTextFormatWriter();
            case OPENMETRICS -> formats.getOpenMetricsTextFormatWriter();
            case PROTOBUF -> formats.getPrometheusProtobufWriter();
        };
    }
}
