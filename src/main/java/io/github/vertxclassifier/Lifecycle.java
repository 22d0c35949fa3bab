package io.github.vertxclassifier;

/**
 * Where the service is in its life. Readiness reports it; the classifier verticles read it per request
 * (one volatile read) to tell keep-alive clients to reconnect elsewhere while draining.
 */
public final class Lifecycle {

    public enum State {
        STARTING,
        SERVING,
        DRAINING
    }

    private volatile State state = State.STARTING;

    public State state() {
        return state;
    }

    public boolean isServing() {
        return state == State.SERVING;
    }

    public boolean isDraining() {
        return state == State.DRAINING;
    }

    public void serving() {
        state = State.SERVING;
    }

    public void draining() {
        state = State.DRAINING;
    }
}
