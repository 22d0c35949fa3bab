package io.github.vertxclassifier.k8s;

import io.fabric8.kubernetes.api.model.Container;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pod's memory budget (docs/kubernetes.md, "Memory"): every JVM area that can grow has a cap, and the caps
 * plus what has none fit the container's memory limit. Heap and direct memory come from the container's
 * JAVA_TOOL_OPTIONS (they depend on the size), metaspace and code cache from the image's config/jvm.options.
 */
record MemoryBudget(double heapPercent, Long directBytes, Long metaspaceBytes, Long codeCacheBytes) {

    static final String JVM_OPTIONS = "config/jvm.options";
    static final long MIB = 1024 * 1024;

    /**
     * What has no cap: thread stacks (about 40 threads at most; a few hundred kB of each 1 MiB stack is touched), GC
     * and class metadata outside metaspace, the symbol table, malloc arenas. Measured under load with
     * -XX:NativeMemoryTracking: about 25 MiB; the allowance keeps room for twice that.
     */
    static final long UNCAPPED_BYTES = 64 * MIB;

    private static final Pattern HEAP = Pattern.compile("-XX:MaxRAMPercentage=([0-9.]+)");
    private static final Pattern DIRECT = Pattern.compile("-XX:MaxDirectMemorySize=(\\d+[kKmMgG]?)");
    private static final Pattern METASPACE = Pattern.compile("(?m)^-XX:MaxMetaspaceSize=(\\d+[kKmMgG]?)$");
    private static final Pattern CODE_CACHE = Pattern.compile("(?m)^-XX:ReservedCodeCacheSize=(\\d+[kKmMgG]?)$");

    static MemoryBudget of(Container container) {
        String options = Manifests.read(JVM_OPTIONS);
        return new MemoryBudget(
                ManifestChecks.jvmOption(container, HEAP)
                        .map(Double::parseDouble)
                        .orElse(25.0), // the JVM's default
                ManifestChecks.jvmOption(container, DIRECT)
                        .map(MemoryBudget::bytes)
                        .orElse(null),
                last(METASPACE, options).map(MemoryBudget::bytes).orElse(null),
                last(CODE_CACHE, options).map(MemoryBudget::bytes).orElse(null));
    }

    /** Empty when every area is capped and the sum fits {@code limitBytes}. */
    List<String> problems(long limitBytes) {
        List<String> problems = new ArrayList<>();
        if (directBytes == null) {
            problems.add(
                    "-XX:MaxDirectMemorySize is not set: Netty's direct buffers may grow to the heap's size, and the "
                            + "kernel's OOM killer ends the pod (137) before the JVM notices");
        }
        if (metaspaceBytes == null) {
            problems.add(JVM_OPTIONS + " sets no -XX:MaxMetaspaceSize (on a line of its own)");
        }
        if (codeCacheBytes == null) {
            problems.add(JVM_OPTIONS + " sets no -XX:ReservedCodeCacheSize (on a line of its own)");
        }
        if (problems.isEmpty() && total(limitBytes) > limitBytes) {
            problems.add(String.format(
                    Locale.ROOT,
                    "memory budget %d MiB > limit %d MiB: heap %d + direct %d + metaspace "
                            + "%d + code cache %d + uncapped %d",
                    total(limitBytes) / MIB,
                    limitBytes / MIB,
                    heap(limitBytes) / MIB,
                    directBytes / MIB,
                    metaspaceBytes / MIB,
                    codeCacheBytes / MIB,
                    UNCAPPED_BYTES / MIB));
        }
        return problems;
    }

    long heap(long limitBytes) {
        return (long) (limitBytes * heapPercent / 100);
    }

    long total(long limitBytes) {
        return heap(limitBytes) + directBytes + metaspaceBytes + codeCacheBytes + UNCAPPED_BYTES;
    }

    private static Optional<String> last(Pattern option, String text) {
        Matcher m = option.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return Optional.ofNullable(last);
    }

    /** A JVM size (bytes, or with k/m/g) in bytes. */
    static long bytes(String size) {
        char unit = Character.toLowerCase(size.charAt(size.length() - 1));
        long scale = switch (unit) {
            case 'k' -> 1024L;
            case 'm' -> MIB;
            case 'g' -> 1024 * MIB;
            default -> 1L;
        };
        return Long.parseLong(Character.isDigit(unit) ? size : size.substring(0, size.length() - 1)) * scale;
    }
}
