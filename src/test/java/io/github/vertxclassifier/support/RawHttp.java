package io.github.vertxclassifier.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Speaks HTTP/1.1 over a plain socket, byte for byte, so tests see exactly what the server writes (and can
 * send what no well-behaved client would).
 */
public final class RawHttp {

    /** A {@code Date} header's value: an IMF-fixdate (RFC 9110 §5.6.7). */
    public static final Pattern IMF_FIXDATE =
            Pattern.compile("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");

    private RawHttp() {}

    /** What came back: the bytes read, and whether the server closed the connection. */
    public record Exchange(byte[] bytes, boolean closedByServer) {
        public String text() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }

        /** The status code of the first response, or -1 when nothing parseable came back. */
        public int status() {
            String text = text();
            if (!text.startsWith("HTTP/") || text.length() < 12) {
                return -1;
            }
            return Integer.parseInt(text.substring(9, 12));
        }

        /** The body of the first response (after the blank line). */
        public String body() {
            String text = text();
            int at = text.indexOf("\r\n\r\n");
            return at < 0 ? "" : text.substring(at + 4);
        }
    }

    /** A request line and headers for {@code GET target}, with Host, as ISO-8859-1 bytes. */
    public static byte[] get(String target) {
        return request("GET", target);
    }

    public static byte[] request(String method, String target) {
        return (method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Sends {@code request}, then reads until the server closes the connection or stays silent for
     * {@code quiet}.
     */
    public static Exchange exchange(int port, byte[] request, Duration quiet) {
        try (Socket socket = connect(port, quiet)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return readUntil(socket.getInputStream(), sofar -> false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends {@code request} and reads one response: up to the end of its head for a HEAD, of its Content-Length
     * body otherwise, or until the server closes (a response with {@code Connection: close} is read to the close).
     * Every exchange ends on one of these events; the 30 s socket timeout only bounds one that fails.
     */
    public static Exchange exchange(int port, byte[] request) {
        boolean head = new String(request, 0, Math.min(5, request.length), StandardCharsets.ISO_8859_1).equals("HEAD ");
        try (Socket socket = connect(port, Duration.ofSeconds(30))) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return readUntil(socket.getInputStream(), sofar -> isOneWholeResponse(sofar, head));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * For malformed input (the conformance corpus, the fuzzer): writes {@code request} whole, where a server that
     * closes on a bad prefix before everything is written is an answer too (what it sent is read), ends the output
     * stream if {@code endStream}, then reads until the server closes or stays silent for {@code quiet}.
     */
    public static Exchange sendRaw(int port, byte[] request, Duration quiet, boolean endStream) {
        return sendRaw(port, request, quiet, endStream, sofar -> false);
    }

    /**
     * As {@link #sendRaw(int, byte[], Duration, boolean)}, but stops reading as soon as {@code complete} holds for
     * what arrived: an event to wait for instead of silence. {@code timeout} then only bounds a failing exchange.
     */
    public static Exchange sendRaw(
            int port, byte[] request, Duration timeout, boolean endStream, Predicate<Exchange> complete) {
        try (Socket socket = connect(port, timeout)) {
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
                if (endStream) {
                    socket.shutdownOutput();
                }
            } catch (IOException closedEarly) {
                // the server closed before everything was written: read what it answered
            }
            return readUntil(socket.getInputStream(), complete);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Socket connect(int port, Duration readTimeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout((int) readTimeout.toMillis());
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** The value of the first header {@code name} in {@code exchange}, or null. */
    public static String header(Exchange exchange, String name) {
        String text = exchange.text();
        int end = text.indexOf("\r\n\r\n");
        for (String line : (end < 0 ? text : text.substring(0, end)).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /** Reads until the server closes, stays silent for the socket timeout, or {@code complete} holds. */
    private static Exchange readUntil(InputStream in, Predicate<Exchange> complete) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (true) {
            int read;
            try {
                read = in.read(buffer);
            } catch (SocketTimeoutException quiet) {
                return new Exchange(out.toByteArray(), false);
            } catch (IOException reset) {
                return new Exchange(out.toByteArray(), true);
            }
            if (read < 0) {
                return new Exchange(out.toByteArray(), true);
            }
            out.write(buffer, 0, read);
            Exchange sofar = new Exchange(out.toByteArray(), false);
            if (complete.test(sofar)) {
                return sofar;
            }
        }
    }

    /** One whole response (a head alone for a HEAD, else with its Content-Length body) the server keeps open. */
    private static boolean isOneWholeResponse(Exchange sofar, boolean head) {
        String text = sofar.text();
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0 || "close".equalsIgnoreCase(header(sofar, "connection"))) {
            return false;
        }
        String length = header(sofar, "content-length");
        return head || length != null && text.length() - headEnd - 4 >= Integer.parseInt(length);
    }
}
