package io.github.vertxclassifier.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Answers requests the HTTP decoder could not parse: 414 for a request line over the limit, 431 for
 * headers over the limit, 400 for everything else, always closing the connection (the byte stream can't be
 * trusted past a parse error). Vert.x's default handler closes some of these without any answer.
 */
public final class InvalidRequests {

  private InvalidRequests() {
  }

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
    request.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
        .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
        .end(body);
  }
}
