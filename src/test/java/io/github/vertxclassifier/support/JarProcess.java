package io.github.vertxclassifier.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged jar ({@code target/vertx-classifier.jar}, built by {@code mvn package}) as a child process:
 * what a user runs. For integration tests ({@code *IT}, run by failsafe after packaging).
 */
public final class JarProcess implements AutoCloseable {

    private final Process process;
    private final Thread reader;
    private final List<String> output = new ArrayList<>();
    /** The output has ended (guarded by {@code output}). */
    private boolean ended;

    public final int httpPort;
    public final int managementPort;

    private JarProcess(Process process, int httpPort, int managementPort) {
        this.process = process;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.reader = new Thread(
                () -> {
                    try (BufferedReader lines = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = lines.readLine()) != null) {
                            synchronized (output) {
                                output.add(line);
                                output.notifyAll();
                            }
                        }
                    } catch (IOException ignored) {
                        // the process ended
                    }
                    synchronized (output) {
                        ended = true;
                        output.notifyAll();
                    }
                },
                "jar-output");
        reader.setDaemon(true);
        reader.start();
    }

    public static Path jar() {
        Path jar = Path.of(System.getProperty("classifier.jar", "target/vertx-classifier.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run './mvnw package' (integration tests run after it)");
        }
        return jar;
    }

    /**
     * Starts the jar with {@code env} added to this process's environment (free ports and 2 instances unless
     * given; an empty value unsets the variable), without waiting for readiness.
     */
    public static JarProcess launch(Map<String, String> env, String... jvmArgs) throws IOException {
        return launch(Path.of(System.getProperty("java.home")), env, jvmArgs);
    }

    /** As {@link #launch(Map, String...)}, on the JDK or JRE in {@code javaHome}. */
    public static JarProcess launch(Path javaHome, Map<String, String> env, String... jvmArgs) throws IOException {
        Map<String, String> environment = new HashMap<>();
        environment.put("HTTP_HOST", "127.0.0.1");
        environment.put("MANAGEMENT_HOST", "127.0.0.1");
        int[] ports = FreePorts.distinct(2);
        environment.put("HTTP_PORT", Integer.toString(ports[0]));
        environment.put("MANAGEMENT_PORT", Integer.toString(ports[1]));
        environment.put("INSTANCES", "2");
        environment.putAll(env);
        List<String> command = new ArrayList<>();
        command.add(javaHome.resolve("bin/java").toString());
        command.addAll(List.of(jvmArgs));
        command.add("-jar");
        command.add(jar().toAbsolutePath().toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        environment.forEach((key, value) -> {
            if (value.isEmpty()) {
                builder.environment().remove(key);
            } else {
                builder.environment().put(key, value);
            }
        });
        // Run outside the project so the packaged defaults are what the jar reads, unless CONFIG_FILE says.
        builder.directory(Files.createTempDirectory("vertx-classifier-run").toFile());
        return new JarProcess(
                builder.start(),
                Integer.parseInt(environment.get("HTTP_PORT")),
                Integer.parseInt(environment.get("MANAGEMENT_PORT")));
    }

    /**
     * Starts the jar and waits until {@code /health/ready} answers 200 and the start-up line is logged (readiness
     * turns on just before it is written: a test that reads the output must not race it).
     */
    public static JarProcess start(Map<String, String> env, String... jvmArgs) throws Exception {
        JarProcess jar = launch(env, jvmArgs);
        jar.awaitReady(Duration.ofSeconds(30));
        jar.awaitLine("serving on ", Duration.ofSeconds(30));
        return jar;
    }

    /**
     * Waits until a line containing {@code fragment} was written and returns it; fails if the output ends or
     * {@code timeout} passes first (only so that a hang fails instead of blocking the build).
     */
    public String awaitLine(String fragment, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (output) {
            for (int seen = 0; ; ) {
                for (; seen < output.size(); seen++) {
                    if (output.get(seen).contains(fragment)) {
                        return output.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    throw new IllegalStateException("no line with '" + fragment + "' "
                            + (ended ? "before the output ended" : "after " + timeout) + ":\n"
                            + String.join("\n", output));
                }
                TimeUnit.NANOSECONDS.timedWait(output, left);
            }
        }
    }

    public void awaitReady(Duration timeout) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                HttpResponse<Void> response = client.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("not ready after " + timeout + ":\n" + output());
    }

    public Process process() {
        return process;
    }

    public String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** Waits for the process to exit and returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("still running after " + timeout + ":\n" + output());
        }
        reader.join(5_000); // the last lines may still be in the pipe
        return process.exitValue();
    }

    /**
     * Sends SIGTERM, as Kubernetes does. Through the ProcessHandle: Process.destroy() also closes our end of
     * the child's output, and what it logs while stopping would be lost.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
