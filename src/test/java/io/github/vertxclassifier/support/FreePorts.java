package io.github.vertxclassifier.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Ephemeral ports for tests: suites may run side by side on one machine, so no test uses a fixed port. */
public final class FreePorts {

    private FreePorts() {}

    /** {@code count} different free ports: the kernel may hand the same ephemeral port out twice in a row. */
    public static int[] distinct(int count) {
        return java.util.stream.IntStream.generate(FreePorts::next)
                .distinct()
                .limit(count)
                .toArray();
    }

    public static int next() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
