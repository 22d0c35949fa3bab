package io.github.vertxclassifier.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.classifier.SiteClassifier.Algorithm;
import io.github.vertxclassifier.support.ExpectedAnswer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SiteClassifierTest {

    /** The seed's curl output for /helloworld, as docs/spec.md gives it: 83 bytes. */
    private static final String HELLOWORLD_BODY =
            "navytux.spb.ru:\t5\nwww.nexedi.com:\t10\nlab.nexedi.com:\t10\nwww.erp5.com:\t10\ntotal:\t11\n";

    private static String classify(Algorithm algorithm, String path) {
        int[] counts = new int[SiteClassifier.SITE_COUNT];
        int total = SiteClassifier.create(algorithm).classify(path, counts);
        return new String(ClassificationText.render(counts, total), StandardCharsets.US_ASCII);
    }

    private static String body(int navytux, int nexedi, int lab, int erp5, int total) {
        return ExpectedAnswer.body(navytux, nexedi, lab, erp5, total);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void helloworldIsTheSeedsAnswerByteForByte(Algorithm algorithm) {
        String body = classify(algorithm, "/helloworld");
        assertThat(body).isEqualTo(HELLOWORLD_BODY);
        assertThat(body.getBytes(StandardCharsets.US_ASCII)).hasSize(83);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void handComputedVectors(Algorithm algorithm) {
        // '/' (47) is next to '.' (46), which every site name has.
        assertThat(classify(algorithm, "/")).isEqualTo(body(1, 1, 1, 1, 1));
        // Not decoded: '/' 1111, 'a' (97) in navytux and lab, '%' '2' '0' near nothing, 'b' (98) near b or c
        // everywhere.
        assertThat(classify(algorithm, "/a%20b")).isEqualTo(body(3, 2, 3, 2, 6));
        // '5' (53) only in erp5; '4' and '6' are its neighbours; '7' is two away.
        assertThat(classify(algorithm, "4567")).isEqualTo(body(0, 0, 0, 3, 4));
        // Empty input: all zero.
        assertThat(classify(algorithm, "")).isEqualTo(body(0, 0, 0, 0, 0));
        // 'w' (119) is in three names and next to 'x' (120), which navytux and both nexedi names have.
        assertThat(classify(algorithm, "w")).isEqualTo(body(1, 1, 1, 1, 1));
        // 'g' (103) is near nothing; 'i' (105) is in both nexedi names and 'h' (104) is next to it.
        assertThat(classify(algorithm, "ghi")).isEqualTo(body(0, 2, 2, 0, 3));
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void bytesAreUnsignedUnlikeTheGoVersionsInt8(Algorithm algorithm) {
        // In Go, int8(0xEE - 'n') wraps to -128 and abs8(-128) <= 1 holds: "close". Here 238 - 110 = 128: far.
        assertThat(classify(algorithm, "\u00ee")).isEqualTo(body(0, 0, 0, 0, 1));
        assertThat(classify(algorithm, "\u00ff\u0080\u0000")).isEqualTo(body(0, 0, 0, 0, 3));
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void everyByteMatchesAnIndependentOracle(Algorithm algorithm) {
        for (int ch = 0; ch < 256; ch++) {
            String path = String.valueOf((char) ch);
            assertThat(classify(algorithm, path)).as("byte 0x%02x", ch).isEqualTo(ExpectedAnswer.body(path));
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void countsAccumulateOverARangeOnly(Algorithm algorithm) {
        int[] counts = new int[SiteClassifier.SITE_COUNT];
        int total = SiteClassifier.create(algorithm).classify("xx/helloworld?q=1", 2, 13, counts);
        assertThat(total).isEqualTo(11);
        assertThat(counts).containsExactly(5, 10, 10, 10);
    }

    @org.junit.jupiter.api.Test
    void tableAndScanAgreeOnEveryByteAndOnLongPaths() {
        SiteClassifier scan = SiteClassifier.create(Algorithm.SCAN);
        SiteClassifier table = SiteClassifier.create(Algorithm.TABLE);
        assertThat(scan.algorithm()).isEqualTo(Algorithm.SCAN);
        assertThat(table.algorithm()).isEqualTo(Algorithm.TABLE);
        StringBuilder all = new StringBuilder();
        for (int ch = 0; ch < 256; ch++) {
            int[] a = new int[4];
            int[] b = new int[4];
            String one = String.valueOf((char) ch);
            assertThat(table.classify(one, b)).isEqualTo(scan.classify(one, a));
            assertThat(b).as("byte 0x%02x", ch).containsExactly(a);
            all.append((char) ch);
        }
        String path = all.toString().repeat(7);
        int[] a = new int[4];
        int[] b = new int[4];
        assertThat(table.classify(path, b)).isEqualTo(scan.classify(path, a)).isEqualTo(256 * 7);
        assertThat(b).containsExactly(a);
    }
}
