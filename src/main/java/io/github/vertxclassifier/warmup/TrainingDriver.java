package io.github.vertxclassifier.warmup;

import java.io.IOException;
import java.time.Duration;

/**
 * The load of an image build's AOT training run (k8s/Dockerfile): {@code java -cp vertx-classifier.jar
 * io.github.vertxclassifier.warmup.TrainingDriver HOST PORT MANAGEMENT_PORT SECONDS REQUESTS} waits up to a minute
 * for the server to answer, then sends it the warm-up's requests without pauses (its own JIT is not the server's),
 * through the server's own warm-up and on until the server has answered REQUESTS of them after its readiness turned
 * UP. It prints the result and exits 0; 1 if the server never answered or SECONDS (a backstop) ended first, 2 on a
 * usage error.
 *
 * <p>A count of answered requests, not a time or the server's CPU time: both measure the machine as much as the
 * training. A busy build machine did a tenth of the work in the same seconds, and one CPU-second of this machine
 * did half the work at one hour as at another, so the cache held the request path's C2 compilations in some builds
 * and not in others (docs/bench/coldstart, steps 16 and 18).
 */
public final class TrainingDriver {

    private static final Duration WAIT_FOR_SERVER = Duration.ofMinutes(1);
    /** Driving between two looks at the server's readiness. */
    private static final Duration STRETCH = Duration.ofMillis(250);

    private TrainingDriver() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 5) {
            System.err.println("usage: TrainingDriver HOST PORT MANAGEMENT_PORT SECONDS REQUESTS");
            System.exit(2);
        }
        WarmUp.Target target =
                new WarmUp.Target(args[0], Integer.parseInt(args[1]), args[0], Integer.parseInt(args[2]));
        long deadline =
                System.nanoTime() + Duration.ofSeconds(Long.parseLong(args[3])).toNanos();
        long wanted = Long.parseLong(args[4]);
        long serverWait = System.nanoTime() + WAIT_FOR_SERVER.toNanos();
        long answered = 0;
        long answeredAfterReady = 0;
        while (answeredAfterReady < wanted && System.nanoTime() < deadline) {
            boolean ready = ready(target); // before the stretch: one that saw readiness turn UP is not counted
            WarmUp.Result stretch = WarmUp.driveFor(target, STRETCH);
            long ok = stretch.requests() - stretch.failures();
            if (ok <= 0 && answered == 0) {
                if (System.nanoTime() > serverWait) {
                    break; // never answered
                }
                Thread.sleep(200); // not listening yet
                continue;
            }
            answered += ok;
            if (ready) {
                answeredAfterReady += ok;
            }
        }
        System.out.printf(
                "training driver: %d requests answered, %d of them after readiness (wanted %d)%n",
                answered, answeredAfterReady, wanted);
        System.exit(answeredAfterReady >= wanted ? 0 : 1);
    }

    /** Whether the server's readiness probe answers 200 now. */
    private static boolean ready(WarmUp.Target target) {
        try (LoopbackConnection probe = new LoopbackConnection(target.managementHost(), target.managementPort())) {
            probe.send(RequestCatalogue.READINESS_PROBE);
            return probe.receive(false) == null;
        } catch (IOException notYet) {
            return false;
        }
    }
}
