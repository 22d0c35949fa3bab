package io.github.vertxclassifier.http;

import io.github.vertxclassifier.config.ServiceConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What Vert.x's HTTP server doesn't do by itself, per connection, in its Netty pipeline (both ports):
 *
 * <ul>
 *   <li><b>strict request heads</b>: before Netty's decoder sees them, the raw bytes of every request head
 *       are checked by a {@link RequestHeadScanner} (framing, line ends, field syntax, version, Host). A
 *       malformed head is never decoded: the decoder gets the requests before it, then the server's
 *       invalid-request handler gets a failed request and answers 400;</li>
 *   <li><b>request targets</b>: origin-form, absolute-form (given the path {@code /} when it has none),
 *       {@code *} for OPTIONS and authority-form for CONNECT; anything else is a failed request (400);</li>
 *   <li><b>after a response that closes, nothing more</b> (RFC 9112 9.6): a 400, a response with
 *       {@code Connection: close}, and the response to a request that asked to close, came with HTTP/1.0
 *       without keep-alive, or carried chunked content (whose end only the decoder knows; RFC 9110 9.3.1:
 *       this service takes no content) end the connection.
 *       From that decision on, inbound bytes are dropped, requests already decoded behind it are not handed
 *       to Vert.x, responses written after it are dropped, and the connection closes once it is written;</li>
 *   <li><b>the header deadline</b>: a request must complete its head within a deadline from its first byte,
 *       or it gets 408 and the connection closes; this holds for a request pipelined behind another. Empty
 *       lines between requests, content and idle keep-alive connections never start it;</li>
 *   <li>optionally, connections beyond a limit get 503 with {@code Retry-After} and are closed at once.</li>
 * </ul>
 *
 * The request path costs one pass of the scanner over the head, a few field writes, and a header lookup per
 * request and per response; the deadline is checked by one task per connection per second, not by a timer
 * per request.
 */
public final class ConnectionGuard {

  private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\n"
      + "Content-Length: 16\r\nConnection: close\r\n\r\nRequest Timeout\n").getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TOO_MANY_CONNECTIONS = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
      + "Content-Length: 21\r\nRetry-After: 1\r\nConnection: close\r\n\r\nToo many connections\n")
      .getBytes(StandardCharsets.US_ASCII);
  private static final ClosedChannelException CLOSING = new ClosedChannelException();

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

  // What happens to inbound bytes.
  private static final int SCANNING = 0; // request heads are checked
  private static final int PASSING = 1; // chunked content of the last request: passed unchecked
  private static final int DISCARDING = 2; // the connection ends: nothing more is read

  private final Limits limits;
  private final RequestHeadScanner scanner = new RequestHeadScanner();
  private ChannelHandlerContext head;
  private ScheduledFuture<?> checker;
  private long seconds;
  private long requestStartedAt = -1;
  private int inbound = SCANNING;
  private int heads; // request heads the scanner passed
  private int headWithChunkedContent; // the one of them that announced chunked content (0: none yet)
  private long contentLeft; // bytes of Content-Length content still to come, passed unchecked
  private int requests; // decoded requests handed to Vert.x
  private int responses; // final responses written
  private int lastRequest; // the request whose response ends the connection (0: none yet)
  private boolean responsesEnded;

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
    pipeline.addFirst("request-heads", new RequestHeads());
    head = pipeline.context("request-heads");
    pipeline.addBefore(vertxHandler.name(), "request-order", new RequestOrder());
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
      checker.cancel(false);
      respondAndClose(REQUEST_TIMEOUT);
    }
  }

  /** Written at the head of the pipeline, past Vert.x and the HTTP codec, which hold no response for it. */
  private void respondAndClose(byte[] response) {
    endInbound();
    head.writeAndFlush(Unpooled.wrappedBuffer(response)).addListener(ChannelFutureListener.CLOSE);
  }

  private void endInbound() {
    inbound = DISCARDING;
    requestStartedAt = -1;
  }

  /** First in the pipeline: checks the raw bytes of request heads before the decoder parses them. */
  private final class RequestHeads extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf bytes) || inbound == PASSING) {
        ctx.fireChannelRead(msg);
        return;
      }
      if (inbound == DISCARDING) {
        bytes.release();
        return;
      }
      int from = bytes.readerIndex();
      int end = bytes.writerIndex();
      int at = from;
      while (at < end) {
        if (contentLeft > 0) {
          int content = (int) Math.min(contentLeft, end - at); // the decoder's business: not a head
          contentLeft -= content;
          at += content;
          continue;
        }
        int next = scanner.scan(bytes, at, end);
        if (next == RequestHeadScanner.NEED_MORE) {
          if (requestStartedAt < 0 && scanner.started()) {
            requestStartedAt = seconds;
          }
          break;
        }
        if (next == RequestHeadScanner.MALFORMED) {
          // The decoder gets the complete requests before this head, never the head itself.
          if (at > from) {
            ctx.fireChannelRead(bytes.retainedSlice(from, at - from));
          }
          bytes.release();
          reject(ctx, scanner.problem());
          return;
        }
        requestStartedAt = -1;
        heads++;
        at = next;
        contentLeft = scanner.contentLength();
        if (contentLeft < 0) {
          // Chunked content: where it ends is the decoder's business alone, and nothing after it is served.
          headWithChunkedContent = heads;
          inbound = PASSING;
          break;
        }
      }
      ctx.fireChannelRead(bytes);
    }

    private void reject(ChannelHandlerContext ctx, String problem) {
      DefaultFullHttpRequest failed = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
          Unpooled.EMPTY_BUFFER);
      failed.setDecoderResult(DecoderResult.failure(new MalformedRequest(problem)));
      ctx.fireChannelRead(failed); // through the decoder, which passes it on: the invalid-request handler answers
      endInbound();
    }
  }

  /**
   * Just before Vert.x's handler: sees decoded requests (whose heads are therefore complete) and the
   * responses Vert.x writes, in order.
   */
  private final class RequestOrder extends ChannelDuplexHandler {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (inbound == DISCARDING && msg instanceof HttpObject) {
        ReferenceCountUtil.release(msg); // behind a request that ends the connection
        return;
      }
      if (msg instanceof HttpRequest request) {
        requests++;
        HttpVersion version = request.protocolVersion();
        if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0 && request.decoderResult().isSuccess()) {
          // Checked again on what Netty decoded: it reads any NAME/d.d as a version.
          request.setDecoderResult(DecoderResult.failure(new MalformedRequest("HTTP version other than 1.x")));
        }
        checkTarget(request);
        if (request.decoderResult().isFailure()) {
          // Answered as HTTP/1.1: the error response must not echo whatever the client called a version.
          request.setProtocolVersion(HttpVersion.HTTP_1_1);
          lastRequest = requests;
          ctx.fireChannelRead(msg);
          endInbound();
          return;
        }
        if (requests == headWithChunkedContent || !HttpUtil.isKeepAlive(request)) {
          lastRequest = requests;
        }
        if (!request.headers().contains(HttpHeaderNames.HOST)) {
          // HTTP/1.0 may omit Host (1.1 without it was refused above). RFC 9112 §3.3: the target URI's
          // authority is then the server's own; vertx-web's Router requires one.
          request.headers().set(HttpHeaderNames.HOST, ownAuthority(ctx));
        }
      }
      ctx.fireChannelRead(msg);
      if (msg instanceof LastHttpContent content && (lastRequest == requests && lastRequest > 0
          || content.decoderResult().isFailure())) {
        endInbound();
      }
    }

    private String ownAuthority(ChannelHandlerContext ctx) {
      return ctx.channel().localAddress() instanceof InetSocketAddress local
          ? NetUtil.toSocketAddressString(local) : "localhost";
    }

    /** Origin-form is the rule; absolute-form gets "/" when it has no path; other forms only for their method. */
    private void checkTarget(HttpRequest request) {
      String target = request.uri();
      if (!target.isEmpty() && target.charAt(0) == '/' || request.decoderResult().isFailure()) {
        return;
      }
      HttpMethod method = request.method();
      if (target.equals("*") && method == HttpMethod.OPTIONS || method == HttpMethod.CONNECT) {
        return;
      }
      String withPath = RequestTarget.withPath(target);
      if (withPath == null) {
        request.setDecoderResult(DecoderResult.failure(new MalformedRequest("request-target is not a path")));
      } else if (withPath != target) {
        request.setUri(withPath);
      }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (!(msg instanceof HttpObject)) {
        ctx.write(msg, promise);
        return;
      }
      if (responsesEnded) {
        ReferenceCountUtil.release(msg); // a response behind the one that ended the connection
        promise.tryFailure(CLOSING);
        return;
      }
      if (msg instanceof HttpResponse response && response.status().code() >= 200) {
        HttpHeaders headers = response.headers();
        boolean closes = ++responses == lastRequest || response.status().code() == 400;
        if (closes) {
          headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else {
          closes = headers.contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        }
        if (closes) {
          lastRequest = responses;
          endInbound();
        }
      }
      if (msg instanceof LastHttpContent && lastRequest == responses && lastRequest > 0) {
        responsesEnded = true;
        ChannelPromise written = promise.unvoid();
        ctx.write(msg, written);
        written.addListener(ChannelFutureListener.CLOSE);
        return;
      }
      ctx.write(msg, promise);
    }
  }

  /** Why a request is answered 400; without a stack trace (nothing logs it, and bad input is cheap to send). */
  static final class MalformedRequest extends IllegalArgumentException {
    MalformedRequest(String problem) {
      super(problem);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
