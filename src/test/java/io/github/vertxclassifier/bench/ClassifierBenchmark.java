package io.github.vertxclassifier.bench;

import io.github.vertxclassifier.classifier.SiteClassifier;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The classifier alone, without HTTP: nanoseconds per path byte for the seed's scan and the 256-entry table,
 * at the benchmark's path sizes (N=1 {@code /}, N=11 {@code /helloworld}, N=101 and N=1001 {@code /} + helloworld
 * repeated).
 *
 * <p>Each invocation classifies {@link #PATHS} distinct String objects of the same N (so the JIT cannot
 * hoist one constant input), and {@code @OperationsPerInvocation(PATHS * N)} makes the reported score
 * (mode avgt, unit ns/op) the time per path byte. One method per N because that count must be a constant.
 * Run with {@code bench/jmh}; this is not a JUnit test.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClassifierBenchmark {

    /** Distinct inputs per invocation. */
    static final int PATHS = 16;

    @Param({"SCAN", "TABLE"})
    public SiteClassifier.Algorithm algorithm;

    private SiteClassifier classifier;
    private String[] paths1;
    private String[] paths11;
    private String[] paths101;
    private String[] paths1001;
    private final int[] counts = new int[SiteClassifier.SITE_COUNT];

    /** The benchmark's path of {@code n} bytes: "/" then "helloworld" repeated, as in docs/spec.md. */
    static String path(int n) {
        if (n < 1 || (n - 1) % 10 != 0) {
            throw new IllegalArgumentException("N must be 1 + 10k, got " + n);
        }
        return "/" + "helloworld".repeat((n - 1) / 10);
    }

    private static String[] paths(int n) {
        String base = path(n);
        String[] paths = new String[PATHS];
        for (int i = 0; i < PATHS; i++) {
            paths[i] = new String(base.toCharArray());
        }
        return paths;
    }

    @Setup(Level.Trial)
    public void setUp() {
        classifier = SiteClassifier.create(algorithm);
        paths1 = paths(1);
        paths11 = paths(11);
        paths101 = paths(101);
        paths1001 = paths(1001);
    }

    private void classifyAll(String[] paths, Blackhole bh) {
        int[] counts = this.counts;
        for (String path : paths) {
            Arrays.fill(counts, 0);
            bh.consume(classifier.classify(path, counts));
            bh.consume(counts[0] + counts[1] + counts[2] + counts[3]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(PATHS)
    public void n0001(Blackhole bh) {
        classifyAll(paths1, bh);
    }

    @Benchmark
    @OperationsPerInvocation(PATHS * 11)
    public void n0011(Blackhole bh) {
        classifyAll(paths11, bh);
    }

    @Benchmark
    @OperationsPerInvocation(PATHS * 101)
    public void n0101(Blackhole bh) {
        classifyAll(paths101, bh);
    }

    @Benchmark
    @OperationsPerInvocation(PATHS * 1001)
    public void n1001(Blackhole bh) {
        classifyAll(paths1001, bh);
    }
}
