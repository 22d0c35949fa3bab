package io.github.vertxclassifier.http.guard;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * Just before Vert.x's handler: after a response that closes, nothing more (RFC 9112 9.6). A 400, a response with
 * {@code Connection: close}, and the response to a request that asked to close, came with HTTP/1.0 without
 * keep-alive, or carried Transfer-Encoding (whose content's end only the decoder knows; RFC 9110 9.3.1: this
 * service takes no content) end the connection. From that decision on, inbound bytes are dropped, requests already
 * decoded behind it are not handed to Vert.x, responses written after it are dropped, and the connection closes
 * once it is written. Every final response that ends is counted for back-pressure.
 */
final class CloseOrdering extends ChannelDuplexHandler {

    private static final ClosedChannelException CLOSING = new ClosedChannelException();

    private final ConnectionState state;
    private int requests; // decoded requests handed to Vert.x
    private int responses; // final responses written
    private int lastRequest; // the request whose response ends the connection (0: none yet)
    private boolean finalResponse; // a final response's head was written, its end not yet
    private boolean responsesEnded;

    CloseOrdering(ConnectionState state) {
        this.state = state;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state.inbound() == ConnectionState.Inbound.DISCARDING && msg instanceof HttpObject) {
            ReferenceCountUtil.release(msg); // behind a request that ends the connection
            return;
        }
        if (msg instanceof HttpRequest request) {
            requests++;
            if (request.decoderResult().isFailure()) {
                lastRequest = requests;
                ctx.fireChannelRead(msg);
                state.endInbound();
                return;
            }
            if (!HttpUtil.isKeepAlive(request) || request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
                lastRequest = requests;
            }
        }
        ctx.fireChannelRead(msg);
        if (msg instanceof LastHttpContent content
                && (lastRequest == requests && lastRequest > 0
                        || content.decoderResult().isFailure())) {
            state.endInbound();
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
            finalResponse = true;
            HttpHeaders headers = response.headers();
            boolean closes = ++responses == lastRequest || response.status().code() == 400;
            if (closes) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else {
                closes = headers.contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
            }
            if (closes) {
                lastRequest = responses;
                state.endInbound();
            }
        }
        if (!(msg instanceof LastHttpContent) || !finalResponse) {
            ctx.write(msg, promise);
            return;
        }
        finalResponse = false;
        if (lastRequest == responses && lastRequest > 0) {
            responsesEnded = true;
            ChannelPromise written = promise.unvoid();
            ctx.write(msg, written);
            written.addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.write(msg, promise);
        }
        state.answered();
    }
}
