package io.github.vertxclassifier.warmup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One keep-alive connection of the warm-up driver, with a blocking JDK socket (not Vert.x: see {@link WarmUp}),
 * reading answers on their bytes.
 */
final class LoopbackConnection implements AutoCloseable {
    private static final int IO_TIMEOUT_MILLIS = 2_000;
    private static final byte[] STATUS_200 = "HTTP/1.1 200 ".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CONTENT_LENGTH = "\r\ncontent-length:".getBytes(StandardCharsets.ISO_8859_1);

    private final Socket socket = new Socket();
    private final OutputStream out;
    private final InputStream in;
    private final byte[] buffer = new byte[16 * 1024];
    private int start;
    private int end;

    LoopbackConnection(String host, int port) throws IOException {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(IO_TIMEOUT_MILLIS);
        socket.connect(new InetSocketAddress(host, port), IO_TIMEOUT_MILLIS);
        out = socket.getOutputStream();
        in = socket.getInputStream();
    }

    void send(byte[] request) throws IOException {
        out.write(request);
    }

    /**
     * Reads one answer; returns null for a 200 with a Content-Length, else its status line. Parsed on the bytes,
     * allocating nothing on success: the driver shares the server's one CPU, and its own code is compiled by the
     * same JIT, so it is kept small and cheap.
     */
    String receive(boolean head) throws IOException {
        int headersEnd;
        while ((headersEnd = indexOfHeadersEnd()) < 0) {
            fill();
        }
        int length = contentLength(buffer, start, headersEnd);
        boolean ok = length >= 0
                && headersEnd - start >= STATUS_200.length
                && Arrays.equals(buffer, start, start + STATUS_200.length, STATUS_200, 0, STATUS_200.length);
        String failure = ok ? null : statusLine(headersEnd);
        int next = headersEnd + 4 + (head ? 0 : Math.max(length, 0));
        while (end < next) {
            fill();
        }
        start = next;
        return failure;
    }

    private String statusLine(int headersEnd) {
        int lineEnd = start;
        while (lineEnd < headersEnd && buffer[lineEnd] != '\r') {
            lineEnd++;
        }
        return lineEnd == start
                ? "no status line"
                : new String(buffer, start, lineEnd - start, StandardCharsets.ISO_8859_1);
    }

    private int indexOfHeadersEnd() {
        for (int i = start; i + 3 < end; i++) {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void fill() throws IOException {
        if (start > 0) { // keep the unread bytes at the front
            System.arraycopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buffer.length) {
            throw new IOException("answer larger than " + buffer.length + " bytes");
        }
        int read = in.read(buffer, end, buffer.length - end);
        if (read < 0) {
            throw new IOException("connection closed by the server");
        }
        end += read;
    }

    /** Reads until the server closes the connection; whether it answered at all. */
    boolean readToEnd() throws IOException {
        boolean answered = false;
        while (in.read(buffer) >= 0) {
            answered = true;
        }
        return answered;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a loopback socket at the end of the warm-up: nothing to do about it
        }
    }

    /** The Content-Length of the head in {@code bytes[from, to)} (header names in any case), or -1. */
    static int contentLength(byte[] bytes, int from, int to) {
        for (int at = from; at + CONTENT_LENGTH.length <= to; at++) {
            if (startsWithIgnoringCase(bytes, at, to, CONTENT_LENGTH)) {
                int i = at + CONTENT_LENGTH.length;
                while (i < to && (bytes[i] == ' ' || bytes[i] == '\t')) {
                    i++;
                }
                long value = 0;
                int digits = 0;
                for (; i < to && bytes[i] >= '0' && bytes[i] <= '9' && digits < 10; i++, digits++) {
                    value = value * 10 + bytes[i] - '0';
                }
                boolean endsThere = i == to || bytes[i] == '\r' || bytes[i] == ' ' || bytes[i] == '\t';
                return digits > 0 && endsThere && value <= Integer.MAX_VALUE ? (int) value : -1;
            }
        }
        return -1;
    }

    /** {@code lowerCasePrefix} in lower case; ASCII letters of {@code bytes} compare in either case. */
    private static boolean startsWithIgnoringCase(byte[] bytes, int at, int to, byte[] lowerCasePrefix) {
        if (to - at < lowerCasePrefix.length) {
            return false;
        }
        for (int i = 0; i < lowerCasePrefix.length; i++) {
            int b = bytes[at + i];
            if ((b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b) != lowerCasePrefix[i]) {
                return false;
            }
        }
        return true;
    }
}
