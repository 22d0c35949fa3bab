package io.github.vertxclassifier.metrics;

import io.github.vertxclassifier.metrics.CgroupDirectories.Controller;
import io.github.vertxclassifier.metrics.CgroupDirectories.Version;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * The process's own cgroup, read from its files on every scrape (no thread of its own): CPU throttling and
 * the CPU limit from the {@code cpu} controller, the memory limit and working set from {@code memory}, so a
 * dashboard shows them without cAdvisor. cgroup v1 and v2 each name the files their way:
 *
 * <table>
 *   <caption>files read</caption>
 *   <tr><th>meter</th><th>v1</th><th>v2</th></tr>
 *   <tr><td>periods, throttled periods</td><td>cpu.stat nr_periods, nr_throttled</td><td>the same</td></tr>
 *   <tr><td>throttled time</td><td>cpu.stat throttled_time (ns)</td><td>cpu.stat throttled_usec</td></tr>
 *   <tr><td>CPU limit</td><td>cpu.cfs_quota_us / cpu.cfs_period_us</td><td>cpu.max</td></tr>
 *   <tr><td>memory limit</td><td>memory.limit_in_bytes</td><td>memory.max</td></tr>
 *   <tr><td>working set</td><td>memory.usage_in_bytes - memory.stat total_inactive_file</td>
 *       <td>memory.current - memory.stat inactive_file</td></tr>
 * </table>
 *
 * The working set is what the kubelet and cAdvisor compute, and what the kubelet compares with the limit. A
 * meter whose file or key is absent when bound is not registered (no zeros for what can't be read), nor is
 * a limit that is not set. The meters hold this binder weakly: keep a reference to it.
 */
final class CgroupMetrics implements MeterBinder {

    static final String CPU_PERIODS = "classifier.cgroup.cpu.periods";
    static final String CPU_THROTTLED_PERIODS = "classifier.cgroup.cpu.throttled.periods";
    static final String CPU_THROTTLED = "classifier.cgroup.cpu.throttled";
    static final String CPU_LIMIT = "classifier.cgroup.cpu.limit";
    static final String MEMORY_LIMIT = "classifier.cgroup.memory.limit";
    static final String MEMORY_WORKING_SET = "classifier.cgroup.memory.working.set";

    /** cgroup v1 writes "no limit" as the largest page-aligned long; anything this large is no limit. */
    private static final double V1_UNLIMITED = Math.pow(2, 62);

    private final Optional<Controller> cpu;
    private final Optional<Controller> memory;

    CgroupMetrics(CgroupDirectories directories) {
        this.cpu = directories.find("cpu");
        this.memory = directories.find("memory");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        cpu.ifPresent(controller -> bindCpu(registry, controller));
        memory.ifPresent(controller -> bindMemory(registry, controller));
    }

    private void bindCpu(MeterRegistry registry, Controller cpu) {
        Path stat = cpu.directory().resolve("cpu.stat");
        counter(
                registry,
                CPU_PERIODS,
                null,
                "CFS enforcement periods of the process's cgroup that had runnable tasks",
                () -> statValue(stat, "nr_periods"));
        counter(
                registry,
                CPU_THROTTLED_PERIODS,
                null,
                "CFS periods in which the process's cgroup used up its CPU quota and was throttled",
                () -> statValue(stat, "nr_throttled"));
        DoubleSupplier throttled = cpu.version() == Version.V1
                ? () -> statValue(stat, "throttled_time") / 1e9
                : () -> statValue(stat, "throttled_usec") / 1e6;
        counter(
                registry,
                CPU_THROTTLED,
                "seconds",
                "Time the process's cgroup was throttled (CPU quota used up)",
                throttled);
        DoubleSupplier limit = cpu.version() == Version.V1
                ? () -> positive(number(cpu.directory().resolve("cpu.cfs_quota_us")))
                        / number(cpu.directory().resolve("cpu.cfs_period_us"))
                : () -> cpuMax(cpu.directory().resolve("cpu.max"));
        gauge(registry, CPU_LIMIT, "cores", "CPU quota of the process's cgroup, in cores (quota / period)", limit);
    }

    private void bindMemory(MeterRegistry registry, Controller memory) {
        Path dir = memory.directory();
        Path stat = dir.resolve("memory.stat");
        boolean v1 = memory.version() == Version.V1;
        DoubleSupplier limit = v1
                ? () -> belowV1Unlimited(number(dir.resolve("memory.limit_in_bytes")))
                : () -> number(dir.resolve("memory.max"));
        gauge(registry, MEMORY_LIMIT, "bytes", "Memory limit of the process's cgroup", limit);
        Path usage = dir.resolve(v1 ? "memory.usage_in_bytes" : "memory.current");
        String inactiveFile = v1 ? "total_inactive_file" : "inactive_file";
        gauge(
                registry,
                MEMORY_WORKING_SET,
                "bytes",
                "Working set of the process's cgroup: memory usage minus inactive file cache, as the kubelet counts it",
                () -> Math.max(0, number(usage) - statValue(stat, inactiveFile)));
    }

    private void counter(MeterRegistry registry, String name, String unit, String help, DoubleSupplier value) {
        if (!Double.isNaN(value.getAsDouble())) {
            FunctionCounter.builder(name, this, self -> value.getAsDouble())
                    .baseUnit(unit)
                    .description(help)
                    .register(registry);
        }
    }

    private void gauge(MeterRegistry registry, String name, String unit, String help, DoubleSupplier value) {
        if (!Double.isNaN(value.getAsDouble())) {
            Gauge.builder(name, this, self -> value.getAsDouble())
                    .baseUnit(unit)
                    .description(help)
                    .register(registry);
        }
    }

    /** The value of {@code key} in a file of "key value" lines (cpu.stat, memory.stat); NaN when absent. */
    static double statValue(Path file, String key) {
        for (String line : lines(file)) {
            int space = line.indexOf(' ');
            if (space == key.length() && line.startsWith(key)) {
                return parse(line.substring(space + 1));
            }
        }
        return Double.NaN;
    }

    /** A file holding one number; NaN when absent or not a number ("max"). */
    static double number(Path file) {
        List<String> lines = lines(file);
        return lines.isEmpty() ? Double.NaN : parse(lines.get(0));
    }

    /** cpu.max: "quota period", or "max period" for no limit. */
    private static double cpuMax(Path file) {
        List<String> lines = lines(file);
        String[] fields = lines.isEmpty() ? new String[0] : lines.get(0).trim().split(" ");
        return fields.length == 2 ? positive(parse(fields[0])) / parse(fields[1]) : Double.NaN;
    }

    /** cfs_quota_us is -1 without a quota. */
    private static double positive(double value) {
        return value > 0 ? value : Double.NaN;
    }

    private static double belowV1Unlimited(double value) {
        return value < V1_UNLIMITED ? value : Double.NaN;
    }

    private static double parse(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }
}
