package io.github.vertxclassifier.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.support.ExpectedAnswer;
import io.github.vertxclassifier.support.JarProcess;
import io.github.vertxclassifier.support.RawHttp;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A pod's part of a rolling restart, under steady load: keep-alive clients that honour
 * {@code Connection: close} send requests in a loop; SIGTERM; readiness turns 503 at once, responses keep
 * coming through the drain (telling the clients to reconnect), then the process exits 0. Every request sent
 * and every response is counted: a request is lost when it was completely written on a connection that then
 * closed without a complete response to it.
 *
 * <p>The clients sit behind a load balancer as in Kubernetes: it stops opening new connections to the pod
 * {@link #ENDPOINT_PROPAGATION} after readiness turned 503 (endpoint removal takes a moment to reach
 * kube-proxy and ingress controllers; the manifests' preStop sleep covers it). Connections it already has
 * carry on until the pod answers {@code Connection: close}. The drain outlasts the propagation, so nothing
 * may be lost. (A client that kept opening connections after the drain ended could be reset: connections
 * still in the kernel's accept queue when a listener closes are reset, whatever the server does.)
 */
class RollingRestartIT {

    private static final int CLIENTS = 8;
    private static final int DRAIN_SECONDS = 3;
    private static final Duration ENDPOINT_PROPAGATION = Duration.ofSeconds(1);
    /** Answers every client has had before SIGTERM: the load is steady (an event, not a time: machines are slow). */
    private static final long STEADY_ANSWERS = 150;

    /** Per-client tallies. */
    static final class Tally {
        long sent;
        /** Written by its client only; read by the test while the load runs. */
        volatile long answered;

        long answeredDuringDrain;
        long connections;
        long refused;
        long movedOn;
        long notWritten;
        final List<String> lost = new ArrayList<>();
    }

    @Test
    void sigtermUnderLoadDrainsAndLosesNoRequest() throws Exception {
        try (JarProcess jar = JarProcess.start(Map.of("SHUTDOWN_DRAIN_SECONDS", Integer.toString(DRAIN_SECONDS)))) {
            AtomicLong signalledAt = new AtomicLong(Long.MAX_VALUE); // nanoTime of SIGTERM
            AtomicLong outOfRotationAt = new AtomicLong(Long.MAX_VALUE); // nanoTime the balancer drops the endpoint
            long origin = System.nanoTime();
            List<Tally> tallies = new ArrayList<>();
            List<Thread> clients = new ArrayList<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            byte[] request = KeepAliveConnection.get("/helloworld");
            String expected = ExpectedAnswer.body("/helloworld");
            for (int c = 0; c < CLIENTS; c++) {
                Tally tally = new Tally();
                tallies.add(tally);
                int client = c;
                Thread thread = new Thread(
                        () -> {
                            try {
                                runClient(
                                        client,
                                        jar.httpPort,
                                        request,
                                        expected,
                                        tally,
                                        signalledAt,
                                        outOfRotationAt,
                                        origin);
                            } catch (Throwable t) {
                                failures.add(t);
                            }
                        },
                        "client-" + c);
                clients.add(thread);
                thread.start();
            }

            awaitSteadyLoad(tallies, failures);
            signalledAt.set(System.nanoTime());
            jar.terminate();
            long readyTurned = awaitReadiness503(jar.managementPort);
            outOfRotationAt.set(System.nanoTime() + ENDPOINT_PROPAGATION.toNanos());
            int exit = jar.awaitExit(Duration.ofSeconds(30));
            for (Thread thread : clients) {
                thread.join(15_000);
                assertThat(thread.isAlive())
                        .as(thread.getName() + " still running")
                        .isFalse();
            }

            long sent = tallies.stream().mapToLong(t -> t.sent).sum();
            long answered = tallies.stream().mapToLong(t -> t.answered).sum();
            long duringDrain =
                    tallies.stream().mapToLong(t -> t.answeredDuringDrain).sum();
            List<String> lost = tallies.stream().flatMap(t -> t.lost.stream()).toList();
            String summary = String.format(
                    "sent %d, answered %d (%d during the drain), connections %d, refused %d, "
                            + "moved on %d, not written %d, lost %d: %s%nservice output:%n%s",
                    sent,
                    answered,
                    duringDrain,
                    tallies.stream().mapToLong(t -> t.connections).sum(),
                    tallies.stream().mapToLong(t -> t.refused).sum(),
                    tallies.stream().mapToLong(t -> t.movedOn).sum(),
                    tallies.stream().mapToLong(t -> t.notWritten).sum(),
                    lost.size(),
                    lost,
                    jar.output());
            System.out.println(
                    "RollingRestartIT: " + summary.lines().findFirst().orElse(""));

            assertThat(failures).as(summary).isEmpty();
            assertThat(tallies.stream().mapToLong(t -> t.refused).sum())
                    .as("refused while in rotation; " + summary)
                    .isZero();
            assertThat(tallies.stream().mapToLong(t -> t.movedOn).sum())
                    .as("clients moved on; " + summary)
                    .isEqualTo(CLIENTS);
            assertThat(readyTurned).as("ms from SIGTERM to readiness 503").isLessThan(1000);
            assertThat(exit).as("exit code; " + summary).isZero();
            assertThat(sent).as(summary).isGreaterThan(1000);
            assertThat(duringDrain).as("responses during the drain; " + summary).isGreaterThan(100);
            assertThat(lost).as("lost requests; " + summary).isEmpty();
            assertThat(answered)
                    .as("every request fully written got a response; " + summary)
                    .isEqualTo(sent);
        }
    }

    private static void runClient(
            int client,
            int port,
            byte[] request,
            String expected,
            Tally tally,
            AtomicLong signalledAt,
            AtomicLong outOfRotationAt,
            long origin)
            throws IOException {
        long stopAt = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < stopAt) {
            if (System.nanoTime() > outOfRotationAt.get()) {
                tally.movedOn++;
                return; // the balancer no longer sends new connections here
            }
            KeepAliveConnection connection;
            try {
                connection = new KeepAliveConnection("127.0.0.1", port, 10_000);
            } catch (ConnectException refused) {
                if (System.nanoTime() > signalledAt.get()) {
                    tally.refused++;
                    return; // the servers have closed: a real client goes to another pod
                }
                throw refused;
            }
            tally.connections++;
            try (connection) {
                while (true) {
                    try {
                        connection.write(request);
                    } catch (IOException notWritten) {
                        tally.notWritten++; // not (entirely) written: the client knows, and retries elsewhere
                        break;
                    }
                    tally.sent++;
                    long writtenAt = System.nanoTime();
                    KeepAliveConnection.Response response;
                    try {
                        response = connection.read();
                    } catch (KeepAliveConnection.ClosedException closed) {
                        tally.lost.add(String.format(
                                "client %d: request %d on connection %d written %d ms after start (%s SIGTERM),"
                                        + " connection closed after %d ms with %d bytes of response",
                                client,
                                tally.sent,
                                tally.connections,
                                (writtenAt - origin) / 1_000_000,
                                describe(writtenAt, signalledAt.get()),
                                (System.nanoTime() - writtenAt) / 1_000_000,
                                closed.partial.length()));
                        break;
                    } catch (SocketTimeoutException silent) {
                        tally.lost.add(String.format(
                                "client %d: request %d written %d ms after start (%s SIGTERM), no answer in 10 s",
                                client,
                                tally.sent,
                                (writtenAt - origin) / 1_000_000,
                                describe(writtenAt, signalledAt.get())));
                        break;
                    }
                    if (response.status() != 200 || !response.body().equals(expected)) {
                        throw new AssertionError(
                                "client " + client + " got " + response.head() + "\n" + response.body());
                    }
                    tally.answered++;
                    if (writtenAt > signalledAt.get()) {
                        tally.answeredDuringDrain++;
                    }
                    if (response.close()) {
                        break; // honour Connection: close: reconnect for the next request
                    }
                }
            }
        }
        throw new AssertionError("client " + client + " still running after 60 s");
    }

    private static String describe(long at, long signalled) {
        return at < signalled
                ? ((signalled - at) / 1_000_000) + " ms before"
                : ((at - signalled) / 1_000_000) + " ms after";
    }

    /** Returns once every client has {@link #STEADY_ANSWERS} answers; fails if a client failed or after 60 s. */
    private static void awaitSteadyLoad(List<Tally> tallies, ConcurrentLinkedQueue<Throwable> failures)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (tallies.stream().anyMatch(t -> t.answered < STEADY_ANSWERS)) {
            assertThat(failures).as("client failures before SIGTERM").isEmpty();
            assertThat(System.nanoTime() - deadline)
                    .as("every client has %d answers within 60 s", STEADY_ANSWERS)
                    .isNegative();
            Thread.sleep(10);
        }
    }

    /** Polls readiness from SIGTERM on; returns how many ms it took to answer 503. */
    private static long awaitReadiness503(int managementPort) throws InterruptedException {
        long start = System.nanoTime();
        while (System.nanoTime() - start < 2_000_000_000L) {
            try {
                if (RawHttp.exchange(managementPort, RawHttp.get("/health/ready"))
                                .status()
                        == 503) {
                    return (System.nanoTime() - start) / 1_000_000;
                }
            } catch (RuntimeException notAnswering) {
                // keep polling
            }
            Thread.sleep(10);
        }
        return Long.MAX_VALUE;
    }
}
