package io.github.vertxclassifier.warmup;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the JIT is busy, from the CPU time its compiler threads used since the last call: Linux reports each
 * thread's time on the CPU in nanoseconds ({@code /proc/self/task/TID/schedstat}), and HotSpot names its
 * compiler threads "C1 CompilerThread..." and "C2 CompilerThread...". That counts a long compilation while it
 * runs, and costs a few small file reads. (The {@code Compiler.queue} diagnostic command would name the queued
 * methods, but reaching it starts the platform MBean server: 0.2 s of CPU on one CPU, measured.) Elsewhere the
 * JIT's total compilation time standing still stands in for an idle JIT.
 */
final class CompilerThreads {
    private static final Path TASKS = Path.of("/proc/self/task");
    /** Checks between two listings of the threads (HotSpot may start or stop a compiler thread). */
    private static final int CHECKS_PER_LISTING = 16;

    private final CompilationMXBean compilation = ManagementFactory.getCompilationMXBean();
    private boolean procAvailable = Files.isDirectory(TASKS);
    private List<Path> compilerSchedstats = List.of();
    private int checks;

    /**
     * The compiler threads' CPU time so far, in nanoseconds; where /proc is unavailable, the JIT's total
     * compilation time (which grows only when a compilation ends).
     */
    long compilerNanos() {
        if (procAvailable) {
            try {
                if (checks++ % CHECKS_PER_LISTING == 0) {
                    compilerSchedstats = compilerThreads();
                }
                try {
                    return nanos(compilerSchedstats);
                } catch (NoSuchFileException threadEnded) {
                    compilerSchedstats = compilerThreads();
                    return nanos(compilerSchedstats);
                }
            } catch (IOException | RuntimeException e) {
                procAvailable = false;
            }
        }
        return compilation != null && compilation.isCompilationTimeMonitoringSupported()
                ? compilation.getTotalCompilationTime() * 1_000_000
                : 0;
    }

    /** Time on the CPU of the compiler threads alive now, in nanoseconds. */
    static long compilerThreadsNanos() throws IOException {
        return nanos(compilerThreads());
    }

    /** The {@code schedstat} files of this JVM's C1 and C2 compiler threads. */
    private static List<Path> compilerThreads() throws IOException {
        List<Path> schedstats = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                String name;
                try {
                    name = Files.readString(task.resolve("comm"));
                } catch (NoSuchFileException gone) {
                    continue; // the thread ended
                }
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    schedstats.add(task.resolve("schedstat"));
                }
            }
        }
        return schedstats;
    }

    private static long nanos(List<Path> schedstats) throws IOException {
        long nanos = 0;
        for (Path schedstat : schedstats) {
            String line = Files.readString(schedstat);
            nanos += Long.parseLong(line.substring(0, line.indexOf(' ')));
        }
        return nanos;
    }
}
