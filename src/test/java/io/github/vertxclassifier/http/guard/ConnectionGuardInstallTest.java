package io.github.vertxclassifier.http.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The guard never disappears silently: a connection it cannot be installed on (here one that is not Vert.x's
 * internal ConnectionBase, as after an upgrade that renamed it) is refused, and that is logged once, loudly. That
 * every real connection on both ports has the guard is PipeliningTest's business.
 */
class ConnectionGuardInstallTest {

    @Test
    void aConnectionTheGuardCannotBeInstalledOnIsRefusedAndLoggedOnce() {
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord logRecord) {
                records.add(logRecord);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger log = Logger.getLogger(ConnectionGuard.class.getName());
        log.addHandler(capture);
        AtomicInteger closes = new AtomicInteger();
        // Not a Vert.x connection: only what install() may call on one.
        HttpConnection unknown = (HttpConnection) Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {HttpConnection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "close" -> {
                        closes.incrementAndGet();
                        yield Future.succeededFuture();
                    }
                    case "exceptionHandler" -> proxy;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        try {
            ConnectionGuard.install(unknown, ConnectionGuard.Limits.withoutConnectionLimit(10, 16));
            ConnectionGuard.install(unknown, ConnectionGuard.Limits.withoutConnectionLimit(10, 16));
        } finally {
            log.removeHandler(capture);
        }
        assertThat(closes).hasValue(2);
        assertThat(records).hasSize(1);
        assertThat(records.get(0).getLevel()).isEqualTo(Level.SEVERE);
        assertThat(records.get(0).getMessage()).contains("cannot be installed").contains("refused");
    }
}
