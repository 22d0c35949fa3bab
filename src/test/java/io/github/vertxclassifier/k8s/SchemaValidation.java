package io.github.vertxclassifier.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Rendered objects against their published schemas: k8s/validate/validate.mjs with the npm packages
 * kubernetes-models (core API), @kubernetes-models/prometheus-operator and @kubernetes-models/gateway-api, at the
 * versions k8s/validate/package-lock.json locks. It checks types (and formats such as int32), required fields and
 * enums; an apiVersion/kind none of them models fails. It does not reject unknown fields: {@link StrictModel}
 * does. The packages are installed with {@code npm ci} into target/k8s-validate on first use (from npm's cache when
 * it holds them), so `./mvnw test` needs no step before it.
 */
final class SchemaValidation {

    private static final Path DIR = Manifests.root().resolve("target/k8s-validate");

    private SchemaValidation() {}

    /** One line per problem ("apiVersion kind name: /path message"); empty when every object is valid. */
    static List<String> problems(List<JsonNode> objects) {
        Path node = tool("node");
        install();
        try {
            String out = Manifests.run(
                    DIR, new ObjectMapper().writeValueAsString(objects), 3, node.toString(), "validate.mjs");
            return out.lines().toList();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path tool(String name) {
        return Manifests.required(
                name,
                Manifests.onPath(name),
                System.getenv("CI"),
                "the manifest schema validation runs k8s/validate with it; install Node.js 20+ and npm");
    }

    /** {@code npm ci} into target/k8s-validate unless it already holds this lock file's packages. */
    private static synchronized void install() {
        try {
            Path source = Manifests.file("k8s/validate");
            Path lock = DIR.resolve("package-lock.json");
            boolean current = Files.isDirectory(DIR.resolve("node_modules"))
                    && Files.isRegularFile(lock)
                    && Files.mismatch(lock, source.resolve("package-lock.json")) == -1;
            Files.createDirectories(DIR);
            for (String file : List.of("package.json", "package-lock.json", "validate.mjs")) {
                Files.copy(source.resolve(file), DIR.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            if (!current) {
                Manifests.run(DIR, "", 0, tool("npm").toString(), "ci", "--prefer-offline", "--no-audit", "--no-fund");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
