package io.github.vertxclassifier.http;

import io.github.vertxclassifier.http.guard.AbsoluteForm;

/**
 * Finds the classifier input inside an HTTP request-target (RFC 9112, section 3.2) without allocating:
 * the path as sent, not percent-decoded, up to the first {@code ?}.
 *
 * <ul>
 *   <li>origin-form {@code /p?q}: the path is {@code /p};</li>
 *   <li>absolute-form {@code http://host/p?q}: the path is {@code /p}; a target without a path has the path
 *       {@code /} (RFC 9110 4.2.3), which {@link AbsoluteForm#withPath} writes into it before the request is
 *       handled;</li>
 *   <li>anything else (asterisk-form, authority-form, a bare word, control bytes, chars above 0xFF) is not
 *       a path and the caller answers 400.</li>
 * </ul>
 */
public final class RequestTarget {

    /** Returned by {@link #pathRange} for a target that does not carry a path. */
    public static final long INVALID = -1L;

    private RequestTarget() {}

    /** The path as {@code (start << 32) | end} within {@code target}, or {@link #INVALID}. */
    public static long pathRange(String target) {
        int length = target.length();
        if (length == 0) {
            return INVALID;
        }
        int start;
        if (target.charAt(0) == '/') {
            start = 0;
        } else {
            start = AbsoluteForm.pathStart(target); // at '?' the path is empty: the query scan below ends it there
            if (start < 0) {
                return INVALID;
            }
        }
        int end = length;
        for (int i = 0; i < length; i++) {
            char ch = target.charAt(i);
            if (ch <= 0x20 || ch == 0x7F || ch > 0xFF) {
                return INVALID;
            }
            if (ch == '?' && end == length && i >= start) {
                end = i;
            }
        }
        return ((long) start << 32) | end;
    }

    public static int start(long range) {
        return (int) (range >>> 32);
    }

    public static int end(long range) {
        return (int) range;
    }
}
