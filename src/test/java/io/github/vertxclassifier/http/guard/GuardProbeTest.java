package io.github.vertxclassifier.http.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vertxclassifier.support.InProcessService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.SocketAddress;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Start-up's probe against a port that closes every connection unanswered (what {@link ConnectionGuard} does with a
 * connection it cannot be installed on) and against the real service's ports.
 */
class GuardProbeTest {

    private Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        await(vertx.close());
    }

    @Test
    void aPortThatClosesConnectionsUnansweredFailsTheProbe() throws Exception {
        NetServer refusing = await(
                vertx.createNetServer().connectHandler(socket -> socket.close()).listen(0, "127.0.0.1"));
        SocketAddress port = SocketAddress.inetSocketAddress(refusing.actualPort(), "127.0.0.1");

        assertThatThrownBy(() -> await(GuardProbe.answered(vertx, List.of(port))))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(
                        "the connection guard is not on the connections of 127.0.0.1:" + refusing.actualPort());
    }

    @Test
    void theServicesPortsAnswerTheProbe() throws Exception {
        try (InProcessService service = InProcessService.start()) {
            List<SocketAddress> ports = List.of(
                    SocketAddress.inetSocketAddress(service.httpPort(), "127.0.0.1"),
                    SocketAddress.inetSocketAddress(service.managementPort(), "127.0.0.1"));
            assertThat(await(GuardProbe.answered(vertx, ports))).isNull();
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
