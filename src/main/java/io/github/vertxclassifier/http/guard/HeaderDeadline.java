package io.github.vertxclassifier.http.guard;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The header deadline: a request must complete its head within {@code timeoutSeconds} from its first byte, or it
 * gets 408 (RFC 9110 15.5.9) and the connection closes; this holds for a request pipelined behind another. Empty
 * lines between requests, content and idle keep-alive connections never start it ({@link RequestHeads} says when
 * a head is incomplete). One task per connection ticks once a second; no timer per request.
 */
final class HeaderDeadline extends ChannelInboundHandlerAdapter {

    private final ConnectionState state;
    private final int timeoutSeconds;
    private ScheduledFuture<?> ticks;

    HeaderDeadline(ConnectionState state, int timeoutSeconds) {
        this.state = state;
        this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ticks = ctx.executor().scheduleAtFixedRate(() -> tick(ctx), 1, 1, TimeUnit.SECONDS);
        ctx.channel().closeFuture().addListener(closed -> ticks.cancel(false));
    }

    private void tick(ChannelHandlerContext ctx) {
        state.tick();
        if (state.headAge() > timeoutSeconds) {
            ticks.cancel(false);
            boolean headRequest = state.lastHeadIsHead();
            state.endInbound();
            // From this handler's place at the head of the pipeline: past the codec, which holds no response for it.
            ctx.writeAndFlush(GuardResponses.requestTimeout(headRequest)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
