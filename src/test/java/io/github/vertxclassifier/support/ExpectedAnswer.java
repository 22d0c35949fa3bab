package io.github.vertxclassifier.support;

import java.nio.charset.StandardCharsets;

/**
 * The classifier's answer computed from the spec's words alone, sharing no code with the service: the
 * oracle the tests compare the service against.
 */
public final class ExpectedAnswer {

    private static final String[] SITES = {"navytux.spb.ru", "www.nexedi.com", "lab.nexedi.com", "www.erp5.com"};

    private ExpectedAnswer() {}

    /** The body for {@code pathBytes} (chars 0..255 standing for bytes). */
    public static String body(String pathBytes) {
        int[] counts = new int[SITES.length];
        for (char ch : pathBytes.toCharArray()) {
            for (int s = 0; s < SITES.length; s++) {
                for (byte c : SITES[s].getBytes(StandardCharsets.US_ASCII)) {
                    int distance = ch - Byte.toUnsignedInt(c);
                    if (distance >= -1 && distance <= 1) {
                        counts[s]++;
                        break;
                    }
                }
            }
        }
        return body(counts[0], counts[1], counts[2], counts[3], pathBytes.length());
    }

    public static String body(int navytux, int nexedi, int lab, int erp5, int total) {
        return "navytux.spb.ru:\t" + navytux + "\nwww.nexedi.com:\t" + nexedi + "\nlab.nexedi.com:\t" + lab
                + "\nwww.erp5.com:\t" + erp5 + "\ntotal:\t" + total + "\n";
    }
}
