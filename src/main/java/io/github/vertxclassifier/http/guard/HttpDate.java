package io.github.vertxclassifier.http.guard;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The current time as an RFC 9110 IMF-fixdate (5.6.7), for the Date header of the guard's own answers. */
public final class HttpDate {

    /** Two-digit day, unlike RFC_1123_DATE_TIME. */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH);

    private HttpDate() {}

    /** Formatted on every call: it serves rejections and closes, never the request path of a good request. */
    public static String now() {
        return IMF_FIXDATE.format(ZonedDateTime.now(ZoneOffset.UTC));
    }
}
