package io.github.vertxclassifier.reliability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads one value from the service's Prometheus exposition on the management port. */
final class Scrape {

    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Scrape() {}

    /** The sum of every series of {@code metric} (any labels). */
    static double sum(int managementPort, String metric) throws Exception {
        HttpResponse<String> response = CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + response.statusCode());
        }
        double sum = 0;
        boolean found = false;
        for (String line : response.body().split("\n")) {
            if (line.startsWith(metric + " ") || line.startsWith(metric + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        if (!found) {
            throw new AssertionError(metric + " is not exported");
        }
        return sum;
    }

    /** Waits up to {@code within} for {@code metric} to drop to at most {@code limit}; returns the last value. */
    static double awaitAtMost(int managementPort, String metric, double limit, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        double value = sum(managementPort, metric);
        while (value > limit && System.nanoTime() < deadline) {
            Thread.sleep(200);
            value = sum(managementPort, metric);
        }
        return value;
    }
}
