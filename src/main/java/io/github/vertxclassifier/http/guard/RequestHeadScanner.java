package io.github.vertxclassifier.http.guard;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Checks the raw bytes of request heads (request line and header section) before Netty's decoder parses them,
 * for what the decoder accepts or repairs but HTTP/1.1 does not allow, byte by byte (8 at a time through the
 * request target and the values it does not check, where only a control byte matters) so that a head may
 * arrive in any number of pieces:
 *
 * <ul>
 *   <li>line ends: CRLF only; a bare CR or a bare LF anywhere in a head (RFC 9112 2.2); control bytes in the
 *       request line or in a field value (RFC 9110 5.5);</li>
 *   <li>field lines: a non-empty token name, directly followed by the colon (RFC 9110 5.1, RFC 9112 5.1), no
 *       obs-fold or whitespace before the first field (RFC 9112 5.2, 2.2);</li>
 *   <li>framing: at most one Content-Length, a single decimal value; not with Transfer-Encoding; no
 *       Transfer-Encoding in HTTP/1.0 (RFC 9112 6.1, 6.3; RFC 9110 8.6), on every version;</li>
 *   <li>the version is HTTP/1.1 or HTTP/1.0 (RFC 9112 2.3); Host: exactly one in HTTP/1.1, at most one in
 *       HTTP/1.0, and a valid {@code uri-host [":" port]} (RFC 9112 3.2, RFC 9110 7.2).</li>
 * </ul>
 *
 * Empty lines before a request line are skipped, as the decoder does (RFC 9112 2.2). One scanner per
 * connection; not thread-safe.
 *
 * <p>Written here because nothing maintained does this job in front of Netty: its {@code HttpRequestDecoder}
 * (4.2.18, the newest with native epoll in the repository this project builds from) folds obs-fold and skips
 * its several-Content-Length check for HTTP/1.0, which let a request hidden in a body be served (CL.CL
 * smuggling; docs/reliability.md). A bare LF it rejects itself since 4.2 (strict line parsing, on by default);
 * the scanner rejects it too, so that every malformed head gets the same answer whichever part sees it first.
 * The decoder still parses every head this scanner passes.
 */
final class RequestHeadScanner implements ByteProcessor {

    /** {@link #scan} found no complete head in the bytes given. */
    static final int NEED_MORE = -1;
    /** {@link #scan} found a malformed head: {@link #problem()} says why. */
    static final int MALFORMED = -2;

    private static final long HTTP_1_1 = ascii("HTTP/1.1");
    private static final long HTTP_1_0 = ascii("HTTP/1.0");

    // Byte classes.
    private static final byte[] CLASSES = new byte[256];
    private static final int TOKEN = 1;
    private static final int VALUE = 8; // field-vchar, SP, HTAB (RFC 9110 5.5)
    private static final int LINE = 16; // allowed in a request line: not a control byte except HTAB

    static {
        for (int b = 0; b < 256; b++) {
            int c = 0;
            boolean alpha = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
            boolean digit = b >= '0' && b <= '9';
            if (alpha || digit || "!#$%&'*+-.^_`|~".indexOf(b) >= 0) {
                c |= TOKEN;
            }
            if (b == '\t' || (b >= 0x20 && b != 0x7F)) {
                c |= VALUE | LINE;
            }
            CLASSES[b] = (byte) c;
        }
    }

    /** Where the scan is. */
    private enum State {
        PREAMBLE,
        REQUEST_LINE,
        REQUEST_LINE_CR,
        LINE_START,
        NAME,
        FIELD_VALUE,
        FIELD_VALUE_CR,
        END_CR,
        DONE,
        BAD
    }

    /** The first bytes of a HEAD request line: a malformed HEAD request is answered without content. */
    private static final String HEAD_METHOD = "HEAD ";

    // Fields whose values are checked; bits of the candidates still matching while a name is read.
    private static final int OTHER = 0;
    private static final int HOST = 1;
    private static final int CONTENT_LENGTH = 2;
    private static final int TRANSFER_ENCODING = 4;
    private static final String[] NAMES = {null, "host", "content-length", null, "transfer-encoding"};

    private State state = State.PREAMBLE;
    private String problem;
    private long versionTail; // the last 8 bytes of the request line
    private int beforeVersion; // the byte before them, which must separate the version from the target
    private int field;
    private int candidates;
    private int nameLength;
    private int lineBytes; // of the request line so far, up to the length of HEAD_METHOD
    private boolean head;
    private int hosts;
    private final HostGrammar host = new HostGrammar();
    private int contentLengths;
    private int lengthDigits;
    private boolean lengthEnded;
    private long contentLength;
    private boolean transferEncoding;

    /**
     * Scans {@code buf[from, to)}: returns the index just after a complete, well-formed head (the scanner is
     * then ready for the next one), {@link #NEED_MORE} when the bytes end before the head does, or
     * {@link #MALFORMED}.
     */
    int scan(ByteBuf buf, int from, int to) {
        int at = from;
        while (true) {
            if (state == State.REQUEST_LINE && lineBytes == HEAD_METHOD.length()) {
                at = skipPlainRequestLine(buf, at, to);
            } else if (state == State.FIELD_VALUE && field == OTHER) {
                at = skipPlainValue(buf, at, to);
            }
            int stop = buf.forEachByte(at, to - at, this);
            if (state == State.BAD) {
                return MALFORMED;
            }
            if (stop < 0) {
                return NEED_MORE;
            }
            if (state == State.REQUEST_LINE || state == State.FIELD_VALUE) {
                // paused after the method's first bytes, or at the colon of a field whose value is not checked:
                // the rest of the line goes 8 bytes at a time
                at = stop + 1;
                continue;
            }
            String verdict = verdict();
            if (verdict != null) {
                bad(verdict);
                return MALFORMED;
            }
            return stop + 1;
        }
    }

    /**
     * The same as {@link #process} on each byte of the request line, 8 bytes at a time while none of them is a
     * control byte (most of a long target); returns where the byte-by-byte scan goes on.
     */
    private int skipPlainRequestLine(ByteBuf buf, int from, int to) {
        int at = from;
        long previous = versionTail;
        while (to - at >= 8) {
            long word = buf.getLong(at);
            if (hasControlByte(word)) {
                break;
            }
            previous = versionTail;
            versionTail = word;
            at += 8;
        }
        if (at != from) {
            beforeVersion = (int) (previous & 0xFF);
        }
        return at;
    }

    /**
     * The same as {@link #process} on each byte of a field value that is not checked (all but Host and
     * Content-Length), 8 bytes at a time while none of them is a control byte: such a byte only passes or fails
     * the line (RFC 9110 5.5). Returns where the byte-by-byte scan goes on (at the latest, the line's CR).
     */
    private static int skipPlainValue(ByteBuf buf, int from, int to) {
        int at = from;
        while (to - at >= 8 && !hasControlByte(buf.getLong(at))) {
            at += 8;
        }
        return at;
    }

    /**
     * Whether one of the 8 bytes is below 0x20 (CR, LF, HTAB, another control byte) or is DEL: the SWAR "has
     * less than" and "has zero" tests; bytes from 0x80 up (obs-text) are plain.
     */
    private static boolean hasControlByte(long word) {
        long del = word ^ 0x7F7F7F7F7F7F7F7FL;
        long flagged = ((word - 0x2020202020202020L) & ~word) | ((del - 0x0101010101010101L) & ~del);
        return (flagged & 0x8080808080808080L) != 0;
    }

    /** True once the current head has begun (a request line byte arrived): the header deadline runs. */
    boolean started() {
        return state != State.PREAMBLE && state != State.DONE;
    }

    /** The length of the content the head just completed announces: 0 for none, -1 for chunked content. */
    long contentLength() {
        return transferEncoding ? -1 : contentLength;
    }

    /** True when the current (or just rejected) head is a HEAD request, as far as its first bytes tell. */
    boolean head() {
        return head && lineBytes == HEAD_METHOD.length();
    }

    String problem() {
        return problem;
    }

    @Override
    public boolean process(byte value) {
        int b = value & 0xFF;
        switch (state) {
            case DONE:
                reset();
            // fall through: a new head starts
            case PREAMBLE:
                if (b == '\r' || b == '\n') {
                    return true; // empty lines before a request line are ignored
                }
                state = State.REQUEST_LINE;
                if ((CLASSES[b] & LINE) == 0) {
                    return bad("control byte in the request line");
                }
                versionTail = b;
                head = b == 'H';
                lineBytes = 1;
                return true;
            case REQUEST_LINE:
                if (b == '\r') {
                    state = State.REQUEST_LINE_CR;
                    return true;
                }
                if ((CLASSES[b] & LINE) == 0) {
                    return bad(b == '\n' ? "bare LF in the request line" : "control byte in the request line");
                }
                beforeVersion = (int) (versionTail >>> 56);
                versionTail = (versionTail << 8) | b;
                if (lineBytes < HEAD_METHOD.length()) {
                    head &= HEAD_METHOD.charAt(lineBytes) == b;
                    return ++lineBytes < HEAD_METHOD.length(); // then a pause: scan() takes the rest 8 bytes at a time
                }
                return true;
            case REQUEST_LINE_CR:
                if (b != '\n') {
                    return bad("bare CR in the request line");
                }
                state = State.LINE_START;
                return true;
            case LINE_START:
                if (b == '\r') {
                    state = State.END_CR;
                    return true;
                }
                if ((CLASSES[b] & TOKEN) == 0) {
                    return bad(
                            b == ' ' || b == '\t'
                                    ? "obs-fold or whitespace before a field line"
                                    : b == ':'
                                            ? "empty field name"
                                            : b == '\n' ? "bare LF" : "field name is not a token");
                }
                state = State.NAME;
                nameLength = 0;
                candidates = HOST | CONTENT_LENGTH | TRANSFER_ENCODING;
                matchName(b);
                return true;
            case NAME:
                if (b == ':') {
                    startValue();
                    return field != OTHER; // else a pause: scan() takes the value 8 bytes at a time
                }
                if ((CLASSES[b] & TOKEN) == 0) {
                    return bad(
                            b == ' ' || b == '\t'
                                    ? "whitespace between field name and colon"
                                    : "field name is not a token");
                }
                matchName(b);
                return true;
            case FIELD_VALUE:
                if (b == '\r') {
                    state = State.FIELD_VALUE_CR;
                    return true;
                }
                if ((CLASSES[b] & VALUE) == 0) {
                    return bad(b == '\n' ? "bare LF in a field line" : "control byte in a field value");
                }
                if (field == HOST) {
                    host.accept(b);
                } else if (field == CONTENT_LENGTH) {
                    contentLength(b);
                }
                return true;
            case FIELD_VALUE_CR:
                if (b != '\n') {
                    return bad("bare CR in a field line");
                }
                if (field == HOST && !host.complete()) {
                    return bad("invalid Host"); // RFC 9110 7.2
                }
                if (field == CONTENT_LENGTH && lengthDigits == 0) {
                    return bad("invalid Content-Length");
                }
                state = State.LINE_START;
                return true;
            case END_CR:
                if (b != '\n') {
                    return bad("bare CR at the end of the head");
                }
                state = State.DONE;
                return false; // the head ends here
            default:
                return false;
        }
    }

    private void matchName(int b) {
        int lower = b | 0x20;
        for (int candidate = HOST; candidate <= TRANSFER_ENCODING; candidate <<= 1) {
            if ((candidates & candidate) != 0) {
                String name = NAMES[candidate];
                if (nameLength >= name.length() || name.charAt(nameLength) != lower) {
                    candidates &= ~candidate;
                }
            }
        }
        nameLength++;
    }

    private void startValue() {
        state = State.FIELD_VALUE;
        field = OTHER;
        if ((candidates & HOST) != 0 && nameLength == 4) {
            field = HOST;
            hosts++;
            host.reset();
        } else if ((candidates & CONTENT_LENGTH) != 0 && nameLength == 14) {
            field = CONTENT_LENGTH;
            contentLengths++;
            lengthDigits = 0;
            lengthEnded = false;
        } else if ((candidates & TRANSFER_ENCODING) != 0 && nameLength == 17) {
            transferEncoding = true;
        }
    }

    /** One byte of a Content-Length value: OWS 1*DIGIT OWS (a list, even of equal values, is rejected). */
    private void contentLength(int b) {
        if (b == ' ' || b == '\t') {
            lengthEnded = lengthDigits > 0;
        } else if (b >= '0' && b <= '9' && !lengthEnded && lengthDigits < 18) {
            lengthDigits++;
            contentLength = contentLength * 10 + (b - '0');
        } else {
            lengthDigits = 0;
            lengthEnded = true; // invalid for good: the line end rejects it
        }
    }

    /** What is wrong with the head as a whole, or null. */
    private String verdict() {
        boolean http11 = versionTail == HTTP_1_1;
        if ((!http11 && versionTail != HTTP_1_0) || (beforeVersion != ' ' && beforeVersion != '\t')) {
            return "HTTP version other than 1.1 or 1.0";
        }
        if (contentLengths > 1) {
            return "more than one Content-Length";
        }
        if (transferEncoding && (contentLengths > 0 || !http11)) {
            return http11 ? "Transfer-Encoding with Content-Length" : "Transfer-Encoding in HTTP/1.0";
        }
        if (hosts > 1 || (http11 && hosts == 0)) {
            return hosts == 0 ? "HTTP/1.1 request without Host" : "more than one Host";
        }
        return null;
    }

    private boolean bad(String why) {
        problem = why;
        state = State.BAD;
        return false;
    }

    private void reset() {
        state = State.PREAMBLE;
        versionTail = 0;
        beforeVersion = 0;
        hosts = 0;
        host.reset();
        lineBytes = 0;
        head = false;
        contentLengths = 0;
        contentLength = 0;
        transferEncoding = false;
    }

    private static long ascii(String eight) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | eight.charAt(i);
        }
        return value;
    }
}
