package io.github.vertxclassifier.classifier;

import java.util.List;

/**
 * The seed's workload: for every byte of a request path, count the sites whose name holds a byte within
 * distance 1 of it. Bytes are unsigned (0..255), as in the seed's Python version; the Go version's int8
 * wrap-around is deliberately not reproduced.
 *
 * <p>Paths are passed as Strings whose chars are the wire bytes (ISO-8859-1: char == byte & 0xFF), which is
 * how Netty hands the request-target over, so no copy or decoding is needed on the hot path.
 *
 * <p>Instances are immutable and thread-safe; counts go into a caller-owned array so a classification
 * allocates nothing.
 */
public abstract class SiteClassifier {

    /** The sites, in the order of the response. */
    public static final List<String> SITE_NAMES =
            List.of("navytux.spb.ru", "www.nexedi.com", "lab.nexedi.com", "www.erp5.com");

    public static final int SITE_COUNT = 4;

    /** Which implementation answers; both give identical counts for every byte. */
    public enum Algorithm {
        /** The seed's nested scan: per path byte, per site, per site byte. The benchmark workload. */
        SCAN,
        /** A precomputed 256-entry table of the same answers. Never silently used in peer comparisons. */
        TABLE
    }

    public static SiteClassifier create(Algorithm algorithm) {
        return algorithm == Algorithm.TABLE ? new Table() : new Scan();
    }

    public abstract Algorithm algorithm();

    /**
     * Adds, to {@code counts[site]}, the number of chars of {@code path[start, end)} close to each site and
     * returns the number of chars classified (the {@code total}). Chars must be in 0..255.
     */
    public abstract int classify(String path, int start, int end, int[] counts);

    /** Convenience for whole strings; counts must have {@link #SITE_COUNT} slots. */
    public final int classify(String path, int[] counts) {
        return classify(path, 0, path.length(), counts);
    }

    /** Whether byte {@code ch} is within distance 1 of some byte of the site's name. */
    public static boolean isClose(int ch, int site) {
        return isClose(ch, SITE_NAMES.get(site));
    }

    /**
     * The seed's isclose: some byte {@code c} of the name with |ch - c| <= 1, i.e. ch - c + 1 in 0..2. The names
     * are ASCII, so their chars are their bytes.
     */
    private static boolean isClose(int ch, String name) {
        for (int i = 0; i < name.length(); i++) {
            if (Integer.compareUnsigned(ch - name.charAt(i) + 1, 2) <= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The seed's nextChar: per byte, one isclose per site, in the seed's shape. Each site is its own String
     * constant: the JIT trusts a constant String's bytes (they are {@code @Stable} in the JDK) and can compare
     * against them as immediates, where an {@code int[]}'s elements are loaded at every compare. JMH: 6.4 against
     * 8.7-9.0 ns per path byte at N=1001 (docs/bench/price-list).
     */
    private static final class Scan extends SiteClassifier {
        private static final String NAVYTUX = SITE_NAMES.get(0);
        private static final String NEXEDI = SITE_NAMES.get(1);
        private static final String LAB = SITE_NAMES.get(2);
        private static final String ERP5 = SITE_NAMES.get(3);

        @Override
        public Algorithm algorithm() {
            return Algorithm.SCAN;
        }

        @Override
        public int classify(String path, int start, int end, int[] counts) {
            int navytux = 0, nexedi = 0, lab = 0, erp5 = 0;
            for (int i = start; i < end; i++) {
                int ch = path.charAt(i);
                if (SiteClassifier.isClose(ch, NAVYTUX)) {
                    navytux++;
                }
                if (SiteClassifier.isClose(ch, NEXEDI)) {
                    nexedi++;
                }
                if (SiteClassifier.isClose(ch, LAB)) {
                    lab++;
                }
                if (SiteClassifier.isClose(ch, ERP5)) {
                    erp5++;
                }
            }
            counts[0] += navytux;
            counts[1] += nexedi;
            counts[2] += lab;
            counts[3] += erp5;
            return end - start;
        }
    }

    private static final class Table extends SiteClassifier {
        /** Bit {@code site} of entry {@code ch} is set when ch is close to that site; built from the scan. */
        private static final byte[] CLOSE_SITES = new byte[256];

        static {
            for (int ch = 0; ch < 256; ch++) {
                int mask = 0;
                for (int site = 0; site < SITE_COUNT; site++) {
                    if (isClose(ch, site)) {
                        mask |= 1 << site;
                    }
                }
                CLOSE_SITES[ch] = (byte) mask;
            }
        }

        @Override
        public Algorithm algorithm() {
            return Algorithm.TABLE;
        }

        @Override
        public int classify(String path, int start, int end, int[] counts) {
            int navytux = 0, nexedi = 0, lab = 0, erp5 = 0;
            for (int i = start; i < end; i++) {
                int mask = CLOSE_SITES[path.charAt(i)];
                navytux += mask & 1;
                nexedi += (mask >>> 1) & 1;
                lab += (mask >>> 2) & 1;
                erp5 += (mask >>> 3) & 1;
            }
            counts[0] += navytux;
            counts[1] += nexedi;
            counts[2] += lab;
            counts[3] += erp5;
            return end - start;
        }
    }
}
