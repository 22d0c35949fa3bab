package io.github.vertxclassifier.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.RunningService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole {@code /metrics} of the real service, over a real socket: the JVM, process, event-loop delay and
 * cgroup families are there, and no series or family is exported twice, in either format Prometheus reads.
 */
class ServiceMetricsExportTest {

    /** What Prometheus sends by default. */
    private static final String OPEN_METRICS_FIRST =
            "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4";

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @RegisterExtension
    static final RunningService service = new RunningService();

    @Test
    void exportsTheJvmSignalsOnce() {
        String text = scrape();
        assertThat(text).containsPattern("(?m)^jvm_compilation_time_ms_total\\{compiler=\"[^\"]+\"} \\d");
        if (Files.isReadable(Path.of("/proc/self/status"))) {
            assertThat(value(text, "process_resident_memory_bytes")).isGreaterThan(1 << 20);
        }
    }

    @Test
    void everyEventLoopThatCountsRequestsHasItsDelay() {
        String text = scrape();
        Set<String> requestLoops = loops(text, "classifier_requests_total");
        assertThat(requestLoops).hasSize(2);
        assertThat(loops(text, "classifier_event_loop_delay_seconds_count")).isEqualTo(requestLoops);
        assertThat(loops(text, "classifier_event_loop_delay_seconds_max")).isEqualTo(requestLoops);
        assertThat(text)
                .contains("classifier_event_loop_delay_seconds_bucket{event_loop=\""
                        + requestLoops.iterator().next() + "\",le=\"0.05\"}");
    }

    @Test
    void thisMachinesCgroupIsExported() {
        if (Files.isReadable(Path.of("/proc/self/cgroup"))) {
            assertThat(scrape()).containsPattern("(?m)^classifier_cgroup_\\w+ \\d");
        }
    }

    @Test
    void noSeriesAndNoFamilyIsExportedTwice() {
        String text = scrape();
        String openMetrics = scrape(OPEN_METRICS_FIRST);
        assertThat(openMetrics).endsWith("# EOF\n");
        for (String scrape : List.of(text, openMetrics)) {
            List<String> series = new ArrayList<>();
            List<String> families = new ArrayList<>();
            for (String line : scrape.split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    families.add(line.split(" ")[2]);
                } else if (!line.startsWith("#") && !line.isEmpty()) {
                    series.add(line.substring(0, line.lastIndexOf(' ')));
                }
            }
            assertThat(series).hasSizeGreaterThan(100).doesNotHaveDuplicates();
            assertThat(families).doesNotHaveDuplicates();
        }
    }

    private static String scrape() {
        return scrape("text/plain");
    }

    /** Over a real client: a first scrape renders cold code, which took seconds on a busy machine. */
    private static String scrape(String accept) {
        URI metrics = URI.create("http://127.0.0.1:" + service.managementPort() + "/metrics");
        HttpRequest request = HttpRequest.newBuilder(metrics)
                .header("Accept", accept)
                .timeout(Duration.ofMinutes(1))
                .build();
        try {
            HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double value(String scrape, String series) {
        Matcher matcher =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(matcher.find()).as(series).isTrue();
        return Double.parseDouble(matcher.group(1));
    }

    private static Set<String> loops(String scrape, String family) {
        return Pattern.compile("(?m)^" + family + "\\{event_loop=\"([^\"]+)\"}")
                .matcher(scrape)
                .results()
                .map(result -> result.group(1))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
