package io.github.vertxclassifier.classifier;

import java.nio.charset.StandardCharsets;

/**
 * The response body, byte for byte as the seed prints it:
 * {@code "navytux.spb.ru:\t5\nwww.nexedi.com:\t10\nlab.nexedi.com:\t10\nwww.erp5.com:\t10\ntotal:\t11\n"}.
 */
public final class ClassificationText {

    private static final byte[][] PREFIXES = new byte[SiteClassifier.SITE_COUNT + 1][];

    static {
        for (int site = 0; site < SiteClassifier.SITE_COUNT; site++) {
            PREFIXES[site] = (SiteClassifier.SITE_NAMES.get(site) + ":\t").getBytes(StandardCharsets.US_ASCII);
        }
        PREFIXES[SiteClassifier.SITE_COUNT] = "total:\t".getBytes(StandardCharsets.US_ASCII);
    }

    private ClassificationText() {}

    /** The body for the given site counts and total. */
    public static byte[] render(int[] counts, int total) {
        byte[] out = new byte[length(counts, total)];
        int at = 0;
        for (int line = 0; line <= SiteClassifier.SITE_COUNT; line++) {
            byte[] prefix = PREFIXES[line];
            System.arraycopy(prefix, 0, out, at, prefix.length);
            at += prefix.length;
            at = writeDecimal(line < SiteClassifier.SITE_COUNT ? counts[line] : total, out, at);
            out[at++] = '\n';
        }
        return out;
    }

    private static int length(int[] counts, int total) {
        int length = 0;
        for (int line = 0; line <= SiteClassifier.SITE_COUNT; line++) {
            length += PREFIXES[line].length + digits(line < SiteClassifier.SITE_COUNT ? counts[line] : total) + 1;
        }
        return length;
    }

    private static int digits(int value) {
        int digits = 1;
        while (value >= 10) {
            value /= 10;
            digits++;
        }
        return digits;
    }

    private static int writeDecimal(int value, byte[] out, int at) {
        int end = at + digits(value);
        for (int i = end - 1; i >= at; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return end;
    }
}
