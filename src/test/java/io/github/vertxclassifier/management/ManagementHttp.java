package io.github.vertxclassifier.management;

import io.github.vertxclassifier.support.RawHttp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One request to the management port on a connection of its own, asking the server to close it after the
 * answer, and read until it does: the test waits for that event, never for silence or a fixed time.
 */
final class ManagementHttp {

    /** Only a guard against a hang: an answer ends with the server closing the connection. */
    private static final Duration HANG = Duration.ofSeconds(30);

    private ManagementHttp() {}

    static RawHttp.Exchange get(int port, String path, String... headerLines) {
        return ask(port, "GET", path, headerLines);
    }

    /** {@code method path} with Host, {@code headerLines} and {@code Connection: close}. */
    static RawHttp.Exchange ask(int port, String method, String path, String... headerLines) {
        StringBuilder request = new StringBuilder(method)
                .append(' ')
                .append(path)
                .append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        return send(port, request.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends {@code request} as it is; it must end its connection (Connection: close, or an error that closes). */
    static RawHttp.Exchange send(int port, byte[] request) {
        RawHttp.Exchange exchange = RawHttp.exchange(port, request, HANG);
        if (!exchange.closedByServer()) {
            throw new AssertionError("the connection was not closed within " + HANG + ":\n" + exchange.text());
        }
        return exchange;
    }
}
