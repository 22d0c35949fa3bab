package io.github.vertxclassifier.http.guard;

/**
 * The value of a Host field, one byte at a time: {@code OWS uri-host [":" port] OWS} with
 * {@code uri-host = IP-literal / IPv4address / reg-name} (RFC 9110 7.2, RFC 3986 3.2.2). An IPv4 address is a
 * reg-name as far as the bytes go; an IP-literal is taken as bracketed reg-name bytes and colons.
 */
final class HostGrammar {

    /** Where in the value the last byte left it. */
    private enum Where {
        START,
        REG_NAME,
        PERCENT,
        PERCENT_HEX,
        IP_LITERAL,
        AFTER_IP_LITERAL,
        PORT,
        TRAILING,
        BAD
    }

    private static final boolean[] REG_NAME_BYTES = new boolean[256]; // unreserved and sub-delims
    private static final boolean[] HEX = new boolean[256];

    static {
        for (int b = 0; b < 256; b++) {
            boolean alpha = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
            boolean digit = b >= '0' && b <= '9';
            REG_NAME_BYTES[b] = alpha || digit || "-._~!$&'()*+,;=".indexOf(b) >= 0;
            HEX[b] = digit || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
        }
    }

    private Where where = Where.START;

    /** A new value starts. */
    void reset() {
        where = Where.START;
    }

    void accept(int b) {
        boolean ows = b == ' ' || b == '\t';
        where = switch (where) {
            case START ->
                ows
                        ? Where.START
                        : b == '['
                                ? Where.IP_LITERAL
                                : b == '%'
                                        ? Where.PERCENT
                                        : b == ':' ? Where.PORT : REG_NAME_BYTES[b] ? Where.REG_NAME : Where.BAD;
            case REG_NAME ->
                b == '%'
                        ? Where.PERCENT
                        : b == ':' ? Where.PORT : ows ? Where.TRAILING : REG_NAME_BYTES[b] ? Where.REG_NAME : Where.BAD;
            case PERCENT -> HEX[b] ? Where.PERCENT_HEX : Where.BAD;
            case PERCENT_HEX -> HEX[b] ? Where.REG_NAME : Where.BAD;
            case IP_LITERAL ->
                b == ']' ? Where.AFTER_IP_LITERAL : REG_NAME_BYTES[b] || b == ':' ? Where.IP_LITERAL : Where.BAD;
            case AFTER_IP_LITERAL -> b == ':' ? Where.PORT : ows ? Where.TRAILING : Where.BAD;
            case PORT -> b >= '0' && b <= '9' ? Where.PORT : ows ? Where.TRAILING : Where.BAD;
            case TRAILING -> ows ? Where.TRAILING : Where.BAD;
            case BAD -> Where.BAD;
        };
    }

    /** True when the bytes so far are a whole valid value (an empty one included: RFC 9110 7.2 allows it). */
    boolean complete() {
        return where == Where.START
                || where == Where.REG_NAME
                || where == Where.AFTER_IP_LITERAL
                || where == Where.PORT
                || where == Where.TRAILING;
    }
}
