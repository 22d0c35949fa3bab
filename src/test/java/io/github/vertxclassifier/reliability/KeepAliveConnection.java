package io.github.vertxclassifier.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One client connection speaking HTTP/1.1 keep-alive over a raw socket, reading exactly one response per
 * request (status line, headers, Content-Length body), so tests know which request each byte answers and
 * whether the server closed the connection before a response was complete.
 */
final class KeepAliveConnection implements AutoCloseable {

    /** A complete response; {@code close} when the server said {@code Connection: close}. */
    record Response(int status, String head, String body, boolean close) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /** The server closed (or reset) the connection before a complete response; {@code partial} is what came. */
    static final class ClosedException extends IOException {
        final String partial;

        ClosedException(String partial) {
            super("connection closed by the server after " + partial.length() + " bytes of a response");
            this.partial = partial;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    KeepAliveConnection(String host, int port, int readTimeoutMillis) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setSoTimeout(readTimeoutMillis);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    KeepAliveConnection(int port) throws IOException {
        this("127.0.0.1", port, 5_000);
    }

    static byte[] get(String target) {
        return ("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Writes all of {@code request}; an IOException means it was not (entirely) written. */
    void write(byte[] request) throws IOException {
        out.write(request);
        out.flush();
    }

    /** Reads one response; {@link ClosedException} when the server closes first, timeout after the read timeout. */
    Response read() throws IOException {
        byte[] buffer = new byte[4096];
        while (true) {
            Response response = parse();
            if (response != null) {
                return response;
            }
            int read;
            try {
                read = in.read(buffer);
            } catch (SocketTimeoutException timeout) {
                throw timeout;
            } catch (IOException reset) {
                throw new ClosedException(pending.toString(StandardCharsets.ISO_8859_1));
            }
            if (read < 0) {
                throw new ClosedException(pending.toString(StandardCharsets.ISO_8859_1));
            }
            pending.write(buffer, 0, read);
        }
    }

    Response exchange(byte[] request) throws IOException {
        write(request);
        return read();
    }

    /** True when the server has closed the connection (end of stream within {@code millis}), false if still open. */
    boolean closedWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            int read = in.read();
            if (read >= 0) {
                throw new IllegalStateException("unexpected byte " + read + " from the server");
            }
            return true;
        } catch (SocketTimeoutException open) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private Response parse() {
        String text = pending.toString(StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return null;
        }
        String head = text.substring(0, headEnd);
        int length = 0;
        boolean close = false;
        for (String line : head.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            } else if (lower.startsWith("connection:")) {
                close = lower.substring(11).trim().equals("close");
            }
        }
        int bodyStart = headEnd + 4;
        if (text.length() - bodyStart < length) {
            return null;
        }
        String body = text.substring(bodyStart, bodyStart + length);
        byte[] rest = text.substring(bodyStart + length).getBytes(StandardCharsets.ISO_8859_1);
        pending.reset();
        pending.write(rest, 0, rest.length);
        int status = head.startsWith("HTTP/1.") && head.length() >= 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
        return new Response(status, head, body, close);
    }

    Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
