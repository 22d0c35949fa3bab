package io.github.vertxclassifier.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Rendered objects against their published schemas: k8s/validate/validate.mjs with the npm packages
 * kubernetes-models (core API), @kubernetes-models/prometheus-operator and @kubernetes-models/gateway-api, at the
 * versions k8s/validate/package-lock.json locks. It checks types (and formats such as int32), required fields and
 * enums; an apiVersion/kind none of them models fails. It does not reject unknown fields: {@link StrictModel}
 * does. The packages are installed with {@code npm ci} into target/k8s-validate on first use (from npm's cache when
 * it holds them), so `mvn test` needs no step before it.
 */
final class SchemaValidation {

  static final List<String> FILES = List.of("package.json", "package-lock.json", "validate.mjs");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DIR = Manifests.root().resolve("target/k8s-validate");

  private SchemaValidation() {
  }

  /** One line per problem ("apiVersion kind name: /path message"); empty when every object is valid. */
  static List<String> problems(List<JsonNode> objects) {
    Path node = tool("node");
    install();
    String out;
    try {
      out = run(DIR, JSON.writeValueAsString(objects), node.toString(), "validate.mjs");
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    return out.isBlank() ? List.of() : Arrays.asList(out.strip().split("\n"));
  }

  private static Path tool(String name) {
    return Manifests.required(name, Manifests.onPath(name), System.getenv("CI"),
        "the manifest schema validation runs k8s/validate with it; install Node.js 20+ and npm");
  }

  /** {@code npm ci} into target/k8s-validate unless it already holds this lock file's packages. */
  private static synchronized void install() {
    try {
      Path lock = DIR.resolve("package-lock.json");
      Path source = Manifests.file("k8s/validate");
      boolean current = Files.isDirectory(DIR.resolve("node_modules")) && Files.isRegularFile(lock)
          && Files.mismatch(lock, source.resolve("package-lock.json")) == -1;
      Files.createDirectories(DIR);
      for (String file : FILES) {
        Files.copy(source.resolve(file), DIR.resolve(file), StandardCopyOption.REPLACE_EXISTING);
      }
      if (!current) {
        run(DIR, "", tool("npm").toString(), "ci", "--prefer-offline", "--no-audit", "--no-fund");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a command; exit 0 or 1 with output returns stdout (1 = problems found), anything else fails. */
  private static String run(Path dir, String stdin, String... command) {
    try {
      Path out = Files.createTempFile(DIR, "out", ".txt");
      Path err = Files.createTempFile(DIR, "err", ".txt");
      try {
        Process process = new ProcessBuilder(command).directory(dir.toFile())
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try (var in = process.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          throw new AssertionError(String.join(" ", command) + " did not finish in 10 minutes");
        }
        String stdout = Files.readString(out);
        boolean problemsFound = process.exitValue() == 1 && !stdout.isBlank();
        if (process.exitValue() != 0 && !problemsFound) {
          throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n"
              + Files.readString(err));
        }
        return stdout;
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
