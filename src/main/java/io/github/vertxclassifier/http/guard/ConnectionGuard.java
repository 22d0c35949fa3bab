package io.github.vertxclassifier.http.guard;

import io.github.vertxclassifier.config.ServiceConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.CodecException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * What Vert.x's HTTP server doesn't do by itself, per connection, as Netty handlers of one concern each, on both
 * ports; the one place that touches the pipeline. On every connection, in pipeline order:
 *
 * <pre>
 *   guard-connection-limit   ConnectionLimit   503 beyond the limit (the public port)
 *   guard-header-deadline    HeaderDeadline    408 for a head not complete in time
 *   guard-request-heads      RequestHeads      strict request heads before the decoder; back-pressure
 *   httpDecoder, httpEncoder, idle            (Vert.x's)
 *   guard-request-targets    RequestTargets    version, target forms, Host of HTTP/1.0
 *   guard-close-ordering     CloseOrdering     after a closing response, nothing more (RFC 9112 9.6)
 *   handler                                    (Vert.x's)
 * </pre>
 *
 * The handlers of a connection share one {@link ConnectionState}. A connection the guard cannot be installed on
 * (a Vert.x whose connections are not what this class knows) is refused, and that is logged once: without the
 * guard, none of the protections above would hold.
 */
public final class ConnectionGuard {

    private static final Logger LOG = Logger.getLogger(ConnectionGuard.class.getName());

    /** Handler names, in pipeline order. */
    public static final List<String> HANDLERS = List.of(
            "guard-connection-limit",
            "guard-header-deadline",
            "guard-request-heads",
            "guard-request-targets",
            "guard-close-ordering");

    /**
     * The outbound bytes above which a channel turns unwritable and {@link RequestHeads} stops reading it, and below
     * which it reads again. Netty's defaults, set explicitly: Vert.x 5.2.3's server options have no setting for them.
     */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private static final String VERTX_DECODER = "httpDecoder";
    private static final String VERTX_HANDLER = "handler";
    private static final AtomicBoolean REFUSAL_LOGGED = new AtomicBoolean();
    private static final AtomicBoolean ERROR_LOGGED = new AtomicBoolean();

    private ConnectionGuard() {}

    /**
     * Settings shared by every connection of one server. {@code maxUnanswered}: requests of a connection passed to
     * the decoder and not answered yet, beyond which {@link RequestHeads} reads no more of it until answers drain.
     */
    public record Limits(
            int requestHeaderTimeoutSeconds, int maxUnanswered, AtomicInteger openConnections, int maxConnections) {
        /** No connection limit. */
        public static Limits withoutConnectionLimit(int requestHeaderTimeoutSeconds, int maxUnanswered) {
            return new Limits(requestHeaderTimeoutSeconds, maxUnanswered, null, 0);
        }
    }

    /**
     * Options every HTTP server here starts from: the idle timeout and request limits of the configuration, HTTP/1.1
     * only (with cleartext HTTP/2 enabled, Vert.x's protocol sniffing sits in front of the guard and a trickled
     * request never reaches it), and no WebSocket compression: its Netty handler closes a connection with more than
     * 128 requests decoded and not yet answered, silently, and this service has no WebSocket.
     */
    public static HttpServerOptions serverOptions(ServiceConfig config) {
        return new HttpServerOptions()
                .setIdleTimeout(config.idleTimeoutSeconds())
                .setMaxInitialLineLength(config.maxRequestLineBytes())
                .setMaxHeaderSize(config.maxHeaderBytes())
                .setHttp2ClearTextEnabled(false)
                .setPerFrameWebSocketCompressionSupported(false)
                .setPerMessageWebSocketCompressionSupported(false);
    }

    /** Installs the guard on a new HTTP/1.x connection; call from the server's connection handler. */
    public static void install(HttpConnection connection, Limits limits) {
        connection.exceptionHandler(ConnectionGuard::exception);
        ChannelPipeline pipeline = connection instanceof ConnectionBase base
                ? base.channelHandlerContext().pipeline()
                : null;
        if (pipeline == null || pipeline.get(VERTX_DECODER) == null || pipeline.get(VERTX_HANDLER) == null) {
            refuse(
                    connection,
                    pipeline == null
                            ? connection.getClass().getName() + " is not a ConnectionBase"
                            : "its pipeline " + pipeline.names() + " lacks " + VERTX_DECODER + " or " + VERTX_HANDLER);
            return;
        }
        Channel channel = pipeline.channel();
        channel.config().setWriteBufferWaterMark(WATER_MARK);
        ConnectionState state = new ConnectionState(channel, limits.maxUnanswered());
        pipeline.addBefore(VERTX_DECODER, HANDLERS.get(2), new RequestHeads(state));
        pipeline.addBefore(VERTX_HANDLER, HANDLERS.get(3), new RequestTargets(state));
        pipeline.addBefore(VERTX_HANDLER, HANDLERS.get(4), new CloseOrdering(state));
        pipeline.addFirst(HANDLERS.get(1), new HeaderDeadline(state, limits.requestHeaderTimeoutSeconds()));
        if (limits.openConnections() != null) {
            pipeline.addFirst(
                    HANDLERS.get(0), new ConnectionLimit(state, limits.openConnections(), limits.maxConnections()));
        }
    }

    private static void refuse(HttpConnection connection, String why) {
        if (REFUSAL_LOGGED.compareAndSet(false, true)) {
            LOG.severe("the connection guard cannot be installed (" + why + "): every connection is refused until a "
                    + "Vert.x this guard knows is used (logged once)");
        }
        connection.close();
    }

    /**
     * Resets and broken pipes are the client's business, and so are a request that could not be decoded (Vert.x
     * reports its cause once the 400 is written) and a connection closed in the middle of one; anything else (such
     * as a handler's limit, which closes the connection) is logged, once per process.
     */
    private static void exception(Throwable error) {
        boolean clients = error instanceof IOException
                || error instanceof CodecException
                || error instanceof IllegalArgumentException;
        if (!clients && ERROR_LOGGED.compareAndSet(false, true)) {
            LOG.warning("a connection failed (further failures are not logged): " + error);
        }
    }
}
