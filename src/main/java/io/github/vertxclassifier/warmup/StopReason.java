package io.github.vertxclassifier.warmup;

/** Why a warm-up ended. {@link #text()} is what its log line says after "stopped: " (the e2e and docs grep it). */
public enum StopReason {
    /** A zero budget: no warm-up. */
    OFF("off"),
    /** The JIT stayed idle under load: the request path is compiled. */
    COMPILED("compiled"),
    TIME_BUDGET("time budget"),
    REQUEST_BUDGET("request budget"),
    /** Too many failed requests, or the driver could not connect or threw; the first error follows. */
    ERRORS("errors"),
    INTERRUPTED("interrupted");

    private final String text;

    StopReason(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }
}
