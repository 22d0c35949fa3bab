package io.github.vertxclassifier.http;

import io.github.vertxclassifier.http.guard.HttpDate;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Answers requests the connection guard or the HTTP decoder refused: 414 for a request line over the limit, 431
 * for headers over the limit, 400 for everything else, always closing the connection (the byte stream can't be
 * trusted past a parse error). Each answer has a Date (RFC 9110 6.6.1), and no content when the request was a
 * HEAD (RFC 9110 9.3.2; the guard tells a HEAD from its first bytes). Vert.x's default handler closes some of
 * these without any answer.
 */
public final class InvalidRequests {

    private InvalidRequests() {}

    public static void answer(HttpServerRequest request) {
        DecoderResult result = request.decoderResult();
        Throwable cause = result == null ? null : result.cause();
        int status;
        String body;
        if (cause instanceof TooLongHttpLineException) {
            status = 414;
            body = "URI Too Long\n";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = 431;
            body = "Request Header Fields Too Large\n";
        } else {
            status = 400;
            body = "Bad Request\n";
        }
        HttpServerResponse response = request.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.DATE, HttpDate.now())
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
                .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        if (request.method() == HttpMethod.HEAD) {
            response.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length()))
                    .end();
        } else {
            response.end(body);
        }
    }
}
