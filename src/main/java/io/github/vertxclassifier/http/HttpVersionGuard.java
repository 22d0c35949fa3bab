package io.github.vertxclassifier.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Turns a request with an HTTP version other than 1.0/1.1 (say {@code HTTP/9.9}) into a decoder failure, so
 * that the server's invalid-request handler answers 400. Without it Vert.x answers 501, and a client's bad
 * input must never produce a 5xx. Netty-level because Vert.x rejects the version before any user handler.
 */
@ChannelHandler.Sharable
public final class HttpVersionGuard extends ChannelInboundHandlerAdapter {

  private static final HttpVersionGuard INSTANCE = new HttpVersionGuard();
  private static final DecoderResult UNSUPPORTED_VERSION =
      DecoderResult.failure(new IllegalArgumentException("unsupported HTTP version"));

  private HttpVersionGuard() {
  }

  /** Installs the guard in front of Vert.x's handler of a new HTTP/1.x connection. */
  public static void install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      ChannelHandlerContext vertxHandler = base.channelHandlerContext();
      vertxHandler.pipeline().addBefore(vertxHandler.name(), "http-version-guard", INSTANCE);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
      HttpVersion version = request.protocolVersion();
      if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
        request.setDecoderResult(UNSUPPORTED_VERSION);
      }
    }
    ctx.fireChannelRead(msg);
  }
}
