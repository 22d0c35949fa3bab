package io.github.vertxclassifier.http.guard;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.List;

/**
 * Start-up's proof that the guard is on each port's connections: one request to each, on a connection of its own.
 * {@link ConnectionGuard} closes a connection it cannot be installed on before anything is read from it, so an
 * answer (whatever its status) means the guard is there, and a connection closed unanswered fails start-up: a
 * Vert.x whose connections the guard does not know is found before the pod turns ready, not by a client.
 */
public final class GuardProbe {

    /** Only bounds a probe that hangs; the answer is an event. */
    private static final long TIMEOUT_MS = 30_000;

    private GuardProbe() {}

    /** Completes once every port in {@code ports} has answered {@code GET /health/live}; fails otherwise. */
    public static Future<Void> answered(Vertx vertx, List<SocketAddress> ports) {
        HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
        List<Future<HttpClientResponse>> answers =
                ports.stream().map(port -> probe(client, port)).toList();
        return Future.all(answers).<Void>mapEmpty().eventually(client::close);
    }

    private static Future<HttpClientResponse> probe(HttpClientAgent client, SocketAddress port) {
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setServer(port)
                .setHost(port.host())
                .setPort(port.port())
                .setURI("/health/live")
                .setTimeout(TIMEOUT_MS);
        return client.request(request)
                .compose(sent -> sent.send())
                .recover(failure -> Future.failedFuture(new IllegalStateException(
                        "the connection guard is not on the connections of " + port
                                + ": a request to it got no answer (" + failure.getMessage() + ")",
                        failure)));
    }
}
