package io.github.vertxclassifier.http.guard;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;

/**
 * Behind the decoder: the checks that need a decoded request line. The version is 1.1 or 1.0 (RFC 9112 2.3:
 * Netty reads any {@code NAME/d.d} as one), the target is in a form its method allows (RFC 9112 3.2), an
 * absolute-form target without a path gets {@code /} (RFC 9110 4.2.3), and an HTTP/1.0 request without Host
 * gets the server's own authority (RFC 9112 3.3; vertx-web's Router requires one). A failed request is answered
 * as HTTP/1.1 (never echoing whatever the client called a version), and as HEAD when it was one.
 */
final class RequestTargets extends ChannelInboundHandlerAdapter {

    private final ConnectionState state;

    RequestTargets(ConnectionState state) {
        this.state = state;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            check(ctx, request);
        }
        ctx.fireChannelRead(msg);
    }

    private void check(ChannelHandlerContext ctx, HttpRequest request) {
        HttpVersion version = request.protocolVersion();
        if (version != HttpVersion.HTTP_1_1
                && version != HttpVersion.HTTP_1_0
                && request.decoderResult().isSuccess()) {
            request.setDecoderResult(DecoderResult.failure(new MalformedRequest("HTTP version other than 1.x")));
        }
        checkTarget(request);
        if (request.decoderResult().isFailure()) {
            request.setProtocolVersion(HttpVersion.HTTP_1_1);
            if (!(request.decoderResult().cause() instanceof MalformedRequest) && state.lastHeadIsHead()) {
                request.setMethod(HttpMethod.HEAD); // the decoder gave up on its request line (414): RFC 9110 9.3.2
            }
        } else if (!request.headers().contains(HttpHeaderNames.HOST)) {
            // HTTP/1.1 without it was refused by the scanner.
            request.headers().set(HttpHeaderNames.HOST, ownAuthority(ctx));
        }
    }

    /** Origin-form is the rule; absolute-form gets "/" when it has no path; other forms only for their method. */
    private static void checkTarget(HttpRequest request) {
        String target = request.uri();
        if (!target.isEmpty() && target.charAt(0) == '/'
                || request.decoderResult().isFailure()) {
            return;
        }
        HttpMethod method = request.method();
        if (target.equals("*") && method == HttpMethod.OPTIONS || method == HttpMethod.CONNECT) {
            return;
        }
        String withPath = AbsoluteForm.withPath(target);
        if (withPath == null) {
            request.setDecoderResult(DecoderResult.failure(new MalformedRequest("request-target is not a path")));
        } else if (withPath != target) {
            request.setUri(withPath);
        }
    }

    private static String ownAuthority(ChannelHandlerContext ctx) {
        return ctx.channel().localAddress() instanceof InetSocketAddress local
                ? NetUtil.toSocketAddressString(local)
                : "localhost";
    }
}
