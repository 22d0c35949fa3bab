package io.github.vertxclassifier.metrics;

/** What one event loop records per request; {@link #NONE} when metrics are off. */
public interface RequestMeters {

    RequestMeters NONE = new RequestMeters() {
        @Override
        public void classified(int pathBytes) {}

        @Override
        public void rejected() {}
    };

    /** A classified request with a path of {@code pathBytes} bytes. */
    void classified(int pathBytes);

    /** A request answered with a 4xx (bad method, bad target, decoder failure). */
    void rejected();
}
