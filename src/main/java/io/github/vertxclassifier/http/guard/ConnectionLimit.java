package io.github.vertxclassifier.http.guard;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the open connections of one server (all its event loops share the count; touched once per connection,
 * never per request): a connection beyond {@code max} gets 503 with {@code Retry-After} and is closed at once.
 */
final class ConnectionLimit extends ChannelInboundHandlerAdapter {

    private final ConnectionState state;
    private final AtomicInteger open;
    private final int max;

    ConnectionLimit(ConnectionState state, AtomicInteger open, int max) {
        this.state = state;
        this.open = open;
        this.max = max;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().closeFuture().addListener(closed -> open.decrementAndGet());
        if (open.incrementAndGet() > max) {
            state.endInbound();
            ctx.writeAndFlush(GuardResponses.tooManyConnections()).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
