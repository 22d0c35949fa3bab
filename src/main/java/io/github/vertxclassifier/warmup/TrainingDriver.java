package io.github.vertxclassifier.warmup;

import java.time.Duration;

/**
 * The load of an image build's AOT training run (k8s/Dockerfile): {@code java -cp vertx-classifier.jar
 * io.github.vertxclassifier.warmup.TrainingDriver HOST PORT MANAGEMENT_PORT SECONDS} waits up to a minute for the
 * server to answer, sends it the warm-up's requests for SECONDS without pauses (its own JIT is not the server's, so
 * only the budget ends it; the Dockerfile stops it earlier, by the service's CPU time), prints the result and exits
 * 0, or 1 if the server never answered, 2 on a usage error.
 */
public final class TrainingDriver {

    private static final Duration WAIT_FOR_SERVER = Duration.ofMinutes(1);

    private TrainingDriver() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 4) {
            System.err.println("usage: TrainingDriver HOST PORT MANAGEMENT_PORT SECONDS");
            System.exit(2);
        }
        WarmUp.Target target =
                new WarmUp.Target(args[0], Integer.parseInt(args[1]), args[0], Integer.parseInt(args[2]));
        Duration budget = Duration.ofSeconds(Long.parseLong(args[3]));
        long deadline = System.nanoTime() + WAIT_FOR_SERVER.toNanos();
        WarmUp.Result result = null;
        while (System.nanoTime() < deadline) {
            result = WarmUp.driveFor(target, budget);
            if (answered(result)) {
                break;
            }
            Thread.sleep(200); // not listening yet
        }
        System.out.println("warm-up driver: " + result);
        System.exit(result != null && answered(result) ? 0 : 1);
    }

    private static boolean answered(WarmUp.Result result) {
        return result.requests() > result.failures();
    }
}
