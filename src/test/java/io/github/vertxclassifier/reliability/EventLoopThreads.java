package io.github.vertxclassifier.reliability;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells an event loop starved of CPU from one that is blocked or hung, for a test that runs the service in its own
 * JVM on a machine that may be busy. Wall time alone can't: Vert.x's blocked-thread checker counts wall time, and an
 * instrumented JVM on a loaded machine gets seconds of it without the CPU to match. So a loop counts as blocked only
 * when it spent the checker's limit in CPU time, or waits in a state other than runnable; and as idle only when it
 * waits for I/O, with nothing to run.
 */
final class EventLoopThreads {

    /** Vert.x's warning: "Thread vert.x-eventloop-thread-0 has been blocked for 2417 ms, time limit is 2000 ms". */
    private static final Pattern BLOCKED = Pattern.compile(
            "(vert\\.x-eventloop-thread-\\d+)\\S* has been blocked for (\\d+) ms, time limit is (\\d+) ms");

    private static final String LOOP_PREFIX = "vert.x-eventloop-thread-";
    private static final String JAZZER_INSTRUMENTATION = "com.code_intelligence.jazzer.instrumentor.";
    /** Samples at most this often, and keeps this many: enough to look back minutes. */
    private static final long SAMPLE_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final int SAMPLES_KEPT = 4096;
    /** Two warnings whose blocks began this close together are about one block (the checker runs once a second). */
    private static final long SAME_BLOCK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Deque<Sample> samples = new ArrayDeque<>();
    /** Per loop, when the block last seen inside Jazzer's instrumentation began: later warnings of it are excused. */
    private final Map<String, Long> instrumentedBlockStart = new HashMap<>();

    /** The event loops' CPU times at one moment. */
    private record Sample(long nanoTime, Map<Long, Long> cpuNanos) {}

    /** Notes each loop's CPU time now (cheaply skipped when the last note is recent): the reference for later checks. */
    synchronized void sample() {
        long now = System.nanoTime();
        if (!samples.isEmpty() && now - samples.peekLast().nanoTime() < SAMPLE_EVERY_NANOS) {
            return;
        }
        Map<Long, Long> cpu = new HashMap<>();
        for (Thread loop : loops()) {
            cpu.put(loop.getId(), threads.getThreadCpuTime(loop.getId()));
        }
        samples.addLast(new Sample(now, cpu));
        if (samples.size() > SAMPLES_KEPT) {
            samples.removeFirst();
        }
    }

    /**
     * Why a blocked-thread warning is not the service's fault, or null when it is. Called on the checker's thread
     * while the loop is still in the task it reports. Not the service's: a loop that is runnable, not inside a native
     * call, and spent less CPU time than the limit since a sample taken before the block began (an upper bound of its
     * CPU time in the block): it was starved of CPU. Nor a loop inside Jazzer's instrumentation of a class it is
     * loading (done once per class while fuzzing, seconds of CPU on a busy machine), now or at an earlier warning
     * about the same block: that is the harness's work.
     */
    synchronized String excuse(String warning) {
        Matcher blocked = BLOCKED.matcher(warning);
        if (!blocked.find()) {
            return null;
        }
        Thread loop = loops().stream()
                .filter(t -> t.getName().equals(blocked.group(1)))
                .findFirst()
                .orElse(null);
        if (loop == null) {
            return null;
        }
        long blockedNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(blocked.group(2)));
        long limit = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(blocked.group(3)));
        long blockStart = System.nanoTime() - blockedNanos;
        long cpuBefore = 0; // none sampled before the block: the thread's whole CPU time bounds it
        for (Sample sample : samples) {
            if (sample.nanoTime() - blockStart > 0) {
                break;
            }
            cpuBefore = sample.cpuNanos().getOrDefault(loop.getId(), 0L);
        }
        long cpuInBlock = threads.getThreadCpuTime(loop.getId()) - cpuBefore;
        StackTraceElement[] stack = loop.getStackTrace();
        if (Arrays.stream(stack).anyMatch(frame -> frame.getClassName().startsWith(JAZZER_INSTRUMENTATION))) {
            instrumentedBlockStart.put(loop.getName(), blockStart);
            return "instrumenting a class for Jazzer";
        }
        Long instrumented = instrumentedBlockStart.get(loop.getName());
        if (instrumented != null && Math.abs(blockStart - instrumented) < SAME_BLOCK_NANOS) {
            return "the task that was instrumenting a class for Jazzer";
        }
        boolean inJava = stack.length > 0 && !stack[0].isNativeMethod();
        if (loop.getState() == Thread.State.RUNNABLE && inJava && cpuInBlock < limit) {
            return String.format(
                    "starved of CPU: at most %d ms of CPU time in %d ms",
                    cpuInBlock / 1_000_000, blockedNanos / 1_000_000);
        }
        return null;
    }

    /**
     * Whether every event loop waits for I/O (its innermost frame a native call: epoll or a selector), so nothing is
     * queued for it to do. A busy or starved loop is in Java code.
     */
    boolean idle() {
        for (Thread loop : loops()) {
            StackTraceElement[] stack = loop.getStackTrace();
            if (loop.getState() != Thread.State.RUNNABLE || stack.length == 0 || !stack[0].isNativeMethod()) {
                return false;
            }
        }
        return true;
    }

    private static List<Thread> loops() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(LOOP_PREFIX))
                .toList();
    }
}
