package io.github.vertxclassifier.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code process_resident_memory_bytes}: the process's resident set (heap, metaspace, code cache, thread
 * stacks, direct buffers: everything the JVM's own meters count only in parts), read from VmRSS of
 * {@code /proc/self/status} on every scrape. Not registered where that file has no VmRSS (not Linux).
 */
final class ProcessMemoryMetrics implements MeterBinder {

    static final String RESIDENT = "process.resident.memory";

    private final Path status;

    ProcessMemoryMetrics() {
        this(Path.of("/proc/self/status"));
    }

    ProcessMemoryMetrics(Path status) {
        this.status = status;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (!Double.isNaN(residentBytes(status))) {
            Gauge.builder(RESIDENT, status, ProcessMemoryMetrics::residentBytes)
                    .description("Resident memory of the process (VmRSS)")
                    .baseUnit("bytes")
                    .strongReference(true)
                    .register(registry);
        }
    }

    /** VmRSS of a /proc/PID/status file ("VmRSS:     123456 kB"), in bytes; NaN when absent. */
    static double residentBytes(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    String[] fields = line.substring("VmRSS:".length()).trim().split("\\s+");
                    return fields.length == 2 && fields[1].equals("kB")
                            ? Long.parseLong(fields[0]) * 1024.0
                            : Double.NaN;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
