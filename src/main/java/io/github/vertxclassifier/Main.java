package io.github.vertxclassifier;

import io.github.vertxclassifier.config.ConfigLoader;
import io.github.vertxclassifier.config.ServiceConfig;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import sun.misc.Signal;

/**
 * The command: reads the configuration, starts {@link ClassifierService}, and on SIGTERM (or SIGINT) drains
 * and exits 0 (at once if it comes before the service was ready). Exit 2: configuration that can't be used;
 * exit 1: the service could not start.
 */
public final class Main {

    static {
        // One line per log record, before any logger exists.
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s - %5$s%6$s%n");
    }

    private static final Logger LOG = Logger.getLogger(Main.class.getName());
    private static final int EXIT_BAD_CONFIG = 2;
    private static final int EXIT_START_FAILED = 1;

    private Main() {}

    public static void main(String[] args) {
        ServiceConfig config;
        try {
            config = ConfigLoader.load(System.getenv(), Runtime.getRuntime().availableProcessors());
        } catch (ServiceConfig.InvalidConfigException e) {
            exit(EXIT_BAD_CONFIG, "invalid configuration: " + e.getMessage());
            return;
        }

        // The handler comes first, so that a SIGTERM while the service starts or warms up (a rollout or a scale-in
        // that replaces a pod before it was ready) exits 0 at once: nothing was ready, so nothing is drained. A
        // handler of our own rather than a shutdown hook: hooks can't choose the exit status.
        AtomicReference<ClassifierService> started = new AtomicReference<>();
        AtomicBoolean stopping = new AtomicBoolean();
        sun.misc.SignalHandler stop = signal -> {
            if (stopping.compareAndSet(false, true)) {
                ClassifierService service = started.get();
                if (service == null) {
                    LOG.info("stopped before ready");
                    System.exit(0);
                }
                int status = 0;
                try {
                    service.drainAndStop();
                } catch (Exception e) {
                    System.err.println("vertx-classifier: unclean stop: " + e);
                    status = 1;
                }
                System.exit(status);
            }
        };
        Signal.handle(new Signal("TERM"), stop);
        Signal.handle(new Signal("INT"), stop);

        ClassifierService service;
        try {
            service = ClassifierService.start(config)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .join();
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            exit(EXIT_START_FAILED, "cannot start: " + cause.getMessage());
            return;
        }
        started.set(service);
        Throwable noNative = service.nativeTransportUnavailable();
        if (noNative != null) {
            LOG.warning(() -> "native transport unavailable, using NIO: " + noNative);
        }
    }

    private static void exit(int status, String message) {
        System.err.println("vertx-classifier: " + message);
        System.exit(status);
    }
}
