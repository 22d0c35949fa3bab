package io.github.vertxclassifier.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Whether a bind host is a literal IPv4 or IPv6 address or a syntactically valid host name, decided on the text
 * alone: no DNS look-up, so a typo fails at once with one line rather than after resolver time-outs.
 */
final class HostSyntax {

    /** RFC 1035 §2.3.4 and RFC 1123 §2.1: at most 63 characters a label, 253 for the name (without a final dot). */
    private static final int MAX_LABEL = 63;

    private static final int MAX_NAME = 253;

    private HostSyntax() {}

    /** What is wrong with {@code host}, in a few words, or null when it is a valid address or host name. */
    static String problem(String host) {
        if (host.indexOf(':') >= 0) {
            return isIpv6Literal(host) ? null : "not an IPv6 address";
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String[] labels = name.split("\\.", -1);
        // RFC 1123 §2.1: a host name never has the dotted-decimal form, and its last label is never all digits
        // (RFC 3696 §2): text that ends in a number can only mean an IPv4 address.
        String last = labels[labels.length - 1];
        if (!last.isEmpty() && last.chars().allMatch(HostSyntax::isDigit)) {
            return isIpv4Literal(host) ? null : "not an IPv4 address (four numbers 0..255)";
        }
        if (name.length() > MAX_NAME) {
            return "a host name of more than " + MAX_NAME + " characters";
        }
        for (String label : labels) {
            if (!isLabel(label)) {
                return "not a host name (RFC 1123: dot-separated labels of 1..63 letters, digits and inner hyphens)";
            }
        }
        return null;
    }

    private static boolean isIpv4Literal(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty()
                    || part.length() > 3
                    || !part.chars().allMatch(HostSyntax::isDigit)
                    || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /**
     * RFC 4291 §2.2 text (brackets optional, as the JDK and Netty accept them when binding), parsed by the JDK: text
     * of hex digits, colons and dots (an embedded IPv4 address) is only parsed by {@link InetAddress#getByName},
     * never looked up. A zone ({@code %eth0}) is not accepted: a bind address needs none.
     */
    private static boolean isIpv6Literal(String host) {
        String text = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (text.isEmpty() || !text.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
            return false;
        }
        try {
            InetAddress.getByName(text);
            return true;
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    /** RFC 1123 §2.1: letters, digits and hyphens, starting with a letter or digit, not ending with a hyphen. */
    private static boolean isLabel(String label) {
        if (label.isEmpty() || label.length() > MAX_LABEL || label.startsWith("-") || label.endsWith("-")) {
            return false;
        }
        return label.chars().allMatch(c -> isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-');
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }
}
