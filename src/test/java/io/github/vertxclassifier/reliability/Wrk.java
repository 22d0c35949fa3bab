package io.github.vertxclassifier.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs Debian's {@code wrk} and reads its totals. */
final class Wrk {

    /** What wrk reported: total requests, socket errors by kind, non-2xx/3xx responses, and its whole output. */
    record Result(
            long requests,
            long connectErrors,
            long readErrors,
            long writeErrors,
            long timeouts,
            long non2xx3xx,
            String output) {
        long socketErrors() {
            return connectErrors + readErrors + writeErrors + timeouts;
        }
    }

    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    private Wrk() {}

    static String executable() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            java.nio.file.Path wrk = java.nio.file.Path.of(dir, "wrk");
            if (java.nio.file.Files.isExecutable(wrk)) {
                return wrk.toString();
            }
        }
        throw new AssertionError(
                "wrk is not installed: install the Debian package 'wrk' (apt-get install wrk); " + ".ci/test does it");
    }

    static Result run(List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add(executable());
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("wrk did not finish within " + timeoutSeconds + " s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new AssertionError("wrk exited with " + process.exitValue() + ":\n" + output);
        }
        Matcher requests = REQUESTS.matcher(output);
        if (!requests.find()) {
            throw new AssertionError("no request count in wrk's output:\n" + output);
        }
        Matcher errors = SOCKET_ERRORS.matcher(output);
        boolean anyErrors = errors.find();
        Matcher non2xx = NON_2XX.matcher(output);
        return new Result(
                Long.parseLong(requests.group(1)),
                anyErrors ? Long.parseLong(errors.group(1)) : 0,
                anyErrors ? Long.parseLong(errors.group(2)) : 0,
                anyErrors ? Long.parseLong(errors.group(3)) : 0,
                anyErrors ? Long.parseLong(errors.group(4)) : 0,
                non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0,
                output);
    }
}
