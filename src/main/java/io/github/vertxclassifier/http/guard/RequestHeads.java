package io.github.vertxclassifier.http.guard;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * First in the pipeline: checks the raw bytes of every request head with a {@link RequestHeadScanner} before
 * Netty's decoder parses them, and holds reading back while answers do not drain.
 *
 * <ul>
 *   <li>a malformed head is never decoded: the decoder gets the requests before it, then a failed request that
 *       the server's invalid-request handler answers 400 (HEAD when the head began with {@code HEAD}, so that
 *       the answer carries no content, RFC 9110 9.3.2);</li>
 *   <li>back-pressure: at each head boundary, when {@link ConnectionGuard.Limits#maxUnanswered()} requests are
 *       unanswered or the channel is not writable (its outbound bytes are above the high-water mark), the rest of
 *       the bytes read is held and the channel stops reading (auto-read off) until an answer ends or the channel
 *       is writable again. Vert.x turns auto-read on again when its own queue empties: the {@code read} it then
 *       asks for is not passed on while bytes are held, and auto-read goes off again. Held bytes are therefore at
 *       most what one read returned (64 KiB with Netty's adaptive allocator); past {@link #MAX_HELD_BYTES}
 *       (out of reach) the connection is closed, and that is logged once.</li>
 * </ul>
 */
final class RequestHeads extends ChannelDuplexHandler {

    private static final Logger LOG = Logger.getLogger(RequestHeads.class.getName());
    /** Held bytes beyond which a connection is closed (a hard limit that back-pressure keeps out of reach). */
    static final int MAX_HELD_BYTES = 256 * 1024;

    private static final AtomicBoolean HELD_LIMIT_LOGGED = new AtomicBoolean();

    private final ConnectionState state;
    private final RequestHeadScanner scanner = new RequestHeadScanner();
    private long contentLeft; // bytes of Content-Length content still to come, passed unchecked
    private ByteBuf held; // read while no more requests could go on, in order; null when none

    RequestHeads(ConnectionState state) {
        this.state = state;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes) || state.inbound() == ConnectionState.Inbound.PASSING) {
            ctx.fireChannelRead(msg);
        } else if (state.inbound() == ConnectionState.Inbound.DISCARDING) {
            bytes.release();
            releaseHeld();
        } else if (held != null) {
            held = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), held, bytes);
            ctx.channel().config().setAutoRead(false);
            if (held.readableBytes() > MAX_HELD_BYTES) {
                tooMuchHeld(ctx);
            }
        } else {
            pass(ctx, bytes);
        }
    }

    /** Scans {@code bytes} head by head and passes on what may go on; holds the rest. Releases {@code bytes}. */
    private void pass(ChannelHandlerContext ctx, ByteBuf bytes) {
        int from = bytes.readerIndex();
        int end = bytes.writerIndex();
        int passFrom = from; // start of the bytes scanned but not passed on yet
        int at = from;
        while (at < end) {
            if (contentLeft > 0) {
                int content = (int) Math.min(contentLeft, end - at); // the decoder's business: not a head
                contentLeft -= content;
                at += content;
                continue;
            }
            if (state.mustWait()) {
                passOn(ctx, bytes, passFrom, at); // the public port answers these at once, the management port later
                passFrom = at;
                if (state.inbound() != ConnectionState.Inbound.SCANNING) {
                    bytes.release();
                    return;
                }
                if (state.mustWait()) {
                    hold(ctx, bytes.retainedSlice(at, end - at));
                    bytes.release();
                    return;
                }
            }
            int next = scanner.scan(bytes, at, end);
            if (next == RequestHeadScanner.NEED_MORE) {
                if (scanner.started()) {
                    state.headIncomplete(scanner.head());
                }
                break;
            }
            if (next == RequestHeadScanner.MALFORMED) {
                passOn(
                        ctx, bytes, passFrom,
                        at); // the decoder gets the complete requests before this head, never the head
                bytes.release();
                reject(ctx);
                return;
            }
            state.headComplete(scanner.head());
            state.requestPassed();
            at = next;
            contentLeft = scanner.contentLength();
            if (contentLeft < 0) {
                state.passRest();
                break;
            }
        }
        if (passFrom == from) {
            ctx.fireChannelRead(bytes);
        } else {
            passOn(ctx, bytes, passFrom, end);
            bytes.release();
        }
    }

    private static void passOn(ChannelHandlerContext ctx, ByteBuf bytes, int from, int to) {
        if (to > from) {
            ctx.fireChannelRead(bytes.retainedSlice(from, to - from));
        }
    }

    private void hold(ChannelHandlerContext ctx, ByteBuf rest) {
        held = rest;
        ctx.channel().config().setAutoRead(false);
        state.whenAnswered(() -> resume(ctx));
    }

    /** Passes on what was held, as far as it may go now; reads again once nothing is held. */
    private void resume(ChannelHandlerContext ctx) {
        if (held == null || state.inbound() == ConnectionState.Inbound.DISCARDING) {
            releaseHeld();
            return;
        }
        if (state.mustWait()) {
            state.whenAnswered(() -> resume(ctx));
            return;
        }
        ByteBuf bytes = held;
        held = null;
        pass(ctx, bytes);
        ctx.fireChannelReadComplete(); // Vert.x flushes its answers at the end of a read
        if (held == null && state.inbound() != ConnectionState.Inbound.DISCARDING) {
            ctx.channel().config().setAutoRead(true); // and reads at once
        }
    }

    /** Reading is asked for (auto-read turned on, or a read completed): not while bytes are held. */
    @Override
    public void read(ChannelHandlerContext ctx) {
        if (held != null) {
            ctx.channel().config().setAutoRead(false);
            return;
        }
        ctx.read();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (held != null && ctx.channel().isWritable()) {
            ctx.executor().execute(() -> resume(ctx)); // not from within the flush that made it writable
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    private void releaseHeld() {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    private void tooMuchHeld(ChannelHandlerContext ctx) {
        if (HELD_LIMIT_LOGGED.compareAndSet(false, true)) {
            LOG.warning(() -> "closed a connection from " + ctx.channel().remoteAddress() + " that sent more than "
                    + MAX_HELD_BYTES + " bytes while its answers were not read (logged once)");
        }
        releaseHeld();
        state.endInbound();
        ctx.close();
    }

    /** The invalid-request handler answers it; the decoder passes a message that is not bytes on. */
    private void reject(ChannelHandlerContext ctx) {
        HttpMethod method = scanner.head() ? HttpMethod.HEAD : HttpMethod.GET;
        DefaultFullHttpRequest failed =
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/", Unpooled.EMPTY_BUFFER);
        failed.setDecoderResult(DecoderResult.failure(new MalformedRequest(scanner.problem())));
        ctx.fireChannelRead(failed);
        state.endInbound();
    }
}
