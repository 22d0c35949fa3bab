package io.github.vertxclassifier.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import io.github.vertxclassifier.config.ServiceConfig;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What Vert.x's HTTP server doesn't do by itself, per connection, in front of its handler:
 *
 * <ul>
 *   <li>a request must complete its request line and headers within a deadline from its first byte, or it
 *       gets 408 and the connection closes: a client trickling bytes can't hold a connection forever (the
 *       idle timeout alone is reset by every byte);</li>
 *   <li>a request with an HTTP version other than 1.0/1.1 becomes a decoder failure, so the server's
 *       invalid-request handler answers 400 (Vert.x would answer 501, and bad input never gets a 5xx);</li>
 *   <li>optionally, connections beyond a limit get 503 with {@code Retry-After} and are closed at once.</li>
 * </ul>
 *
 * The request path costs two field writes per request; the deadline is checked by one task per connection
 * per second, not by a timer per request.
 */
public final class ConnectionGuard {

  private static final DecoderResult UNSUPPORTED_VERSION =
      DecoderResult.failure(new IllegalArgumentException("unsupported HTTP version"));
  private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\n"
      + "Content-Length: 16\r\nConnection: close\r\n\r\nRequest Timeout\n").getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TOO_MANY_CONNECTIONS = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
      + "Content-Length: 21\r\nRetry-After: 1\r\nConnection: close\r\n\r\nToo many connections\n")
      .getBytes(StandardCharsets.US_ASCII);

  /** Settings shared by every connection of one server. */
  public record Limits(int requestHeaderTimeoutSeconds, AtomicInteger openConnections, int maxConnections) {
    /** No connection limit (the management port). */
    public static Limits headerTimeoutOnly(int requestHeaderTimeoutSeconds) {
      return new Limits(requestHeaderTimeoutSeconds, null, 0);
    }
  }

  /**
   * Options every HTTP server here starts from: the idle timeout and request limits of the configuration,
   * and HTTP/1.1 only. The guard needs the latter: with cleartext HTTP/2 enabled, Vert.x's protocol sniffing
   * sits in front of it and a trickled request never reaches it.
   */
  public static HttpServerOptions serverOptions(ServiceConfig config) {
    return new HttpServerOptions()
        .setIdleTimeout(config.idleTimeoutSeconds())
        .setMaxInitialLineLength(config.maxRequestLineBytes())
        .setMaxHeaderSize(config.maxHeaderBytes())
        .setHttp2ClearTextEnabled(false);
  }

  private final Limits limits;
  private ChannelHandlerContext head;
  private ScheduledFuture<?> checker;
  private long seconds;
  private long requestStartedAt = -1;

  private ConnectionGuard(Limits limits) {
    this.limits = limits;
  }

  /** Installs a guard on a new HTTP/1.x connection; call from the server's connection handler. */
  public static void install(HttpConnection connection, Limits limits) {
    // Resets and broken pipes are the client's business: without a handler Vert.x logs each one.
    connection.exceptionHandler(ignored -> { });
    if (connection instanceof ConnectionBase base) {
      new ConnectionGuard(limits).install(base.channelHandlerContext());
    }
  }

  private void install(ChannelHandlerContext vertxHandler) {
    ChannelPipeline pipeline = vertxHandler.pipeline();
    pipeline.addFirst("request-start", new RequestStart());
    head = pipeline.context("request-start");
    pipeline.addBefore(vertxHandler.name(), "request-headers", new RequestHeaders());
    AtomicInteger open = limits.openConnections();
    if (open != null) {
      pipeline.channel().closeFuture().addListener(closed -> open.decrementAndGet());
      if (open.incrementAndGet() > limits.maxConnections()) {
        respondAndClose(TOO_MANY_CONNECTIONS);
        return;
      }
    }
    checker = head.executor().scheduleAtFixedRate(this::checkDeadline, 1, 1, TimeUnit.SECONDS);
    pipeline.channel().closeFuture().addListener(closed -> checker.cancel(false));
  }

  private void checkDeadline() {
    seconds++;
    if (requestStartedAt >= 0 && seconds - requestStartedAt > limits.requestHeaderTimeoutSeconds()) {
      requestStartedAt = -1;
      checker.cancel(false);
      respondAndClose(REQUEST_TIMEOUT);
    }
  }

  /** Written at the head of the pipeline, past Vert.x and the HTTP codec, which hold no response for it. */
  private void respondAndClose(byte[] response) {
    head.writeAndFlush(Unpooled.wrappedBuffer(response)).addListener(ChannelFutureListener.CLOSE);
  }

  /** First in the pipeline: sees raw bytes, so it knows when a request starts arriving. */
  private final class RequestStart extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (requestStartedAt < 0 && msg instanceof ByteBuf bytes && bytes.isReadable()) {
        requestStartedAt = seconds;
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** Just before Vert.x's handler: sees decoded requests, whose headers are therefore complete. */
  private final class RequestHeaders extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest request) {
        requestStartedAt = -1;
        HttpVersion version = request.protocolVersion();
        if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
          // Answered as HTTP/1.1: the error response must not echo whatever the client called a version.
          request.setProtocolVersion(HttpVersion.HTTP_1_1);
          if (request.decoderResult().isSuccess()) {
            request.setDecoderResult(UNSUPPORTED_VERSION);
          }
        }
      }
      ctx.fireChannelRead(msg);
    }
  }
}
