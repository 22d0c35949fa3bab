package io.github.vertxclassifier.http.guard;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * The answers the guard writes itself, at the head of the pipeline, past the HTTP codec and Vert.x (which hold
 * no response for them): each with a Date (RFC 9110 6.6.1) and {@code Connection: close}.
 */
final class GuardResponses {

    private GuardResponses() {}

    /** 408 (RFC 9110 15.5.9) for a head not complete in time; without content for a HEAD request (9.3.2). */
    static ByteBuf requestTimeout(boolean headRequest) {
        return response("408 Request Timeout", "", "Request Timeout\n", headRequest);
    }

    /** 503 (RFC 9110 15.6.4) for a connection beyond the limit; {@code Retry-After} (10.2.3) says when to retry. */
    static ByteBuf tooManyConnections() {
        return response("503 Service Unavailable", "Retry-After: 1\r\n", "Too many connections\n", false);
    }

    private static ByteBuf response(String status, String headers, String body, boolean headRequest) {
        String text = "HTTP/1.1 " + status + "\r\nDate: " + HttpDate.now() + "\r\nContent-Type: text/plain\r\n"
                + "Content-Length: " + body.length() + "\r\n" + headers + "Connection: close\r\n\r\n"
                + (headRequest ? "" : body);
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }
}
