package io.github.vertxclassifier.bench;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scanner benchmark's set-up, on every head it measures: the scanner is found (it is reached by name, so a
 * move of the class fails here rather than only when someone runs bench/jmh), the head passes whole, and the
 * plain byte loop gives the same answer as the scanner.
 */
class RequestHeadScannerBenchmarkTest {

    @ParameterizedTest
    @ValueSource(strings = {"wrk", "wrk1001", "proxy", "kib"})
    void bothVariantsPassTheWholeHead(String head) {
        RequestHeadScannerBenchmark benchmark = new RequestHeadScannerBenchmark();
        benchmark.head = head;
        assertDoesNotThrow(benchmark::setUp);
        benchmark.tearDown();
    }
}
