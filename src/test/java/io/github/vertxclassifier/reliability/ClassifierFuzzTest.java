package io.github.vertxclassifier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.vertxclassifier.classifier.ClassificationText;
import io.github.vertxclassifier.classifier.SiteClassifier;
import io.github.vertxclassifier.http.RequestTarget;
import io.github.vertxclassifier.support.ExpectedAnswer;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of the workload: on any input the scan, the table and the spec oracle
 * ({@link ExpectedAnswer}, no shared code) agree, and {@link RequestTarget#pathRange} never throws and only
 * returns ranges inside the target.
 *
 * <p>Without {@code JAZZER_FUZZ} (every {@code ./mvnw test}) this replays the committed inputs under
 * {@code src/test/resources/.../ClassifierFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it fuzzes for
 * {@code maxDuration} (or {@code -Djazzer.max_duration}); see docs/reliability.md.
 */
class ClassifierFuzzTest {

    private static final SiteClassifier SCAN = SiteClassifier.create(SiteClassifier.Algorithm.SCAN);
    private static final SiteClassifier TABLE = SiteClassifier.create(SiteClassifier.Algorithm.TABLE);

    @FuzzTest(maxDuration = "15s")
    @DictionaryEntries({
        "http://",
        "https://h:1/",
        "?",
        "/",
        "navytux.spb.ru",
        "www.nexedi.com",
        "lab.nexedi.com",
        "www.erp5.com",
        "\u00ee",
        "\u00ff",
        "%20"
    })
    void classifierAndRequestTarget(byte[] input) {
        // The wire bytes as the server sees them: chars 0..255.
        String bytes = new String(input, StandardCharsets.ISO_8859_1);
        assertAllAgree(bytes);
        checkTarget(bytes);
        // Chars above 0xFF, which Netty never hands over but pathRange must still reject without throwing.
        checkTarget(new String(input, StandardCharsets.UTF_16BE));
    }

    private static void assertAllAgree(String path) {
        String expected = ExpectedAnswer.body(path);
        assertThat(render(SCAN, path, 0, path.length())).as("scan").isEqualTo(expected);
        assertThat(render(TABLE, path, 0, path.length())).as("table").isEqualTo(expected);
    }

    private static String render(SiteClassifier classifier, String path, int start, int end) {
        int[] counts = new int[SiteClassifier.SITE_COUNT];
        int total = classifier.classify(path, start, end, counts);
        return new String(ClassificationText.render(counts, total), StandardCharsets.US_ASCII);
    }

    private static void checkTarget(String target) {
        long range = RequestTarget.pathRange(target);
        if (range == RequestTarget.INVALID) {
            return;
        }
        int start = RequestTarget.start(range);
        int end = RequestTarget.end(range);
        assertThat(start).as("start of %s", target).isBetween(0, target.length());
        assertThat(end).as("end of %s", target).isBetween(start, target.length());
        String path = target.substring(start, end);
        assertThat(path).as("path of %s", target).doesNotContain("?");
        assertThat(path.isEmpty() || path.charAt(0) == '/')
                .as("path of %s starts with /", target)
                .isTrue();
        assertThat(path.chars().allMatch(ch -> ch > 0x20 && ch != 0x7F && ch <= 0xFF))
                .as("path bytes")
                .isTrue();
        // What the server does with a valid target: classify the range in place, as the oracle does the substring.
        String expected = ExpectedAnswer.body(path);
        assertThat(render(SCAN, target, start, end)).isEqualTo(expected);
        assertThat(render(TABLE, target, start, end)).isEqualTo(expected);
    }
}
