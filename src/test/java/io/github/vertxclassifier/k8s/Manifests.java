package io.github.vertxclassifier.k8s;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Locating, rendering ({@code kubectl kustomize}) and parsing (fabric8 model classes) the k8s/ manifests. */
final class Manifests {

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Overlays a team applies; each must render and pass every consistency check. */
    static final List<String> OVERLAYS = List.of("k8s/overlays/quickstart", "k8s/overlays/production");

    /** Opt-in kustomize Components; each must render on top of the base. */
    static final List<String> COMPONENTS = List.of(
            "k8s/components/monitoring",
            "k8s/components/gateway-api",
            "k8s/components/ingress",
            "k8s/components/network-policy");

    /** The example of a team's own overlay on the production overlay, and its load test. */
    static final String EXAMPLE = "k8s/examples/team-overlay";

    static final String EXAMPLE_LOADTEST = EXAMPLE + "/loadtest";

    private Manifests() {}

    /** The repository root: surefire runs in the project directory; walk up to the pom otherwise. */
    static Path root() {
        Path dir = Path.of(System.getProperty("project.root", System.getProperty("user.dir")))
                .toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("pom.xml")) && Files.isDirectory(d.resolve("k8s"))) {
                return d;
            }
        }
        throw new IllegalStateException("no repository root (pom.xml + k8s/) above " + dir);
    }

    static Path file(String relative) {
        return root().resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(file(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A tool the manifest tests need. Missing: in CI (CI=true) the test fails with one line, since a skip there would
     * pass every check unseen; elsewhere it is skipped, saying why.
     */
    static Path required(String name, Optional<Path> tool, String ci, String why) {
        if (tool.isEmpty() && "true".equalsIgnoreCase(ci)) {
            throw new AssertionError(name + " not found on PATH or in /usr/bin, and CI=true: " + why);
        }
        Assumptions.assumeTrue(
                tool.isPresent(),
                name + " not found on PATH or in /usr/bin: skipping (" + why + "; with CI=true this fails)");
        return tool.get();
    }

    /** An executable on PATH or in /usr/bin; empty when absent. */
    static Optional<Path> onPath(String name) {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isBlank()) {
                    candidates.add(Path.of(dir, name));
                }
            }
        }
        candidates.add(Path.of("/usr/bin", name));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** {@code kubectl kustomize <dir>}: the rendered multi-document YAML; fails with kubectl's error output. */
    static String kustomize(Path kubectl, String dir) {
        return run(root(), "", 0, kubectl.toString(), "kustomize", file(dir).toString());
    }

    /**
     * Runs a command with {@code stdin}, in {@code dir}; returns its output when it exits 0 or {@code alsoOk}, and
     * fails with its error output otherwise or after 10 minutes.
     */
    static String run(Path dir, String stdin, int alsoOk, String... command) {
        try {
            Path in = Files.writeString(Files.createTempFile("k8s-test", ".in"), stdin);
            Path out = Files.createTempFile("k8s-test", ".out");
            Path err = Files.createTempFile("k8s-test", ".err");
            try {
                Process process = new ProcessBuilder(command)
                        .directory(dir.toFile())
                        .redirectInput(in.toFile())
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
                if (!process.waitFor(10, TimeUnit.MINUTES)) {
                    process.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish in 10 minutes");
                }
                if (process.exitValue() != 0 && process.exitValue() != alsoOk) {
                    throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n"
                            + Files.readString(err));
                }
                return Files.readString(out);
            } finally {
                Files.deleteIfExists(in);
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

    /** Every YAML document of a (multi-document) stream as a tree (a top-level list stays one array node). */
    static List<JsonNode> documents(String yaml) {
        try (JsonParser parser = YAML.getFactory().createParser(yaml)) {
            List<JsonNode> docs = new ArrayList<>();
            while (parser.nextToken() != null) {
                JsonNode doc = YAML.readTree(parser);
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One document as a fabric8 model object (GenericKubernetesResource when fabric8 doesn't know the kind). */
    static HasMetadata toModel(JsonNode doc) {
        try {
            KubernetesResource resource =
                    SERIALIZATION.unmarshal(YAML.writeValueAsString(doc), KubernetesResource.class);
            if (!(resource instanceof HasMetadata object)) {
                throw new AssertionError("not a Kubernetes object with metadata: " + doc);
            }
            return object;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Renders an overlay and parses every object with the fabric8 model. */
    static List<HasMetadata> render(Path kubectl, String dir) {
        return documents(kustomize(kubectl, dir)).stream()
                .map(Manifests::toModel)
                .toList();
    }

    /**
     * Renders {@code resource} (an overlay or the base) with {@code components} added, through a throwaway
     * kustomization under target/ (kustomize accepts only relative paths, inside or outside the root).
     */
    static List<HasMetadata> renderWith(Path kubectl, String resource, List<String> components) {
        return renderedDocuments(kubectl, resource, components).stream()
                .map(Manifests::toModel)
                .toList();
    }

    /** {@link #renderWith}'s objects as trees, before any model class reads them. */
    static List<JsonNode> renderedDocuments(Path kubectl, String resource, List<String> components) {
        if (components.isEmpty()) {
            return documents(kustomize(kubectl, resource));
        }
        try {
            Path target = Files.createDirectories(root().resolve("target"));
            Path dir = Files.createTempDirectory(target, "kustomize-");
            try {
                StringBuilder k = new StringBuilder(
                                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")
                        .append("namespace: vertx-classifier\nresources:\n  - ")
                        .append(dir.relativize(file(resource)))
                        .append("\ncomponents:\n");
                components.forEach(
                        c -> k.append("  - ").append(dir.relativize(file(c))).append('\n'));
                Files.writeString(dir.resolve("kustomization.yaml"), k);
                return documents(kustomize(kubectl, root().relativize(dir).toString()));
            } finally {
                Files.deleteIfExists(dir.resolve("kustomization.yaml"));
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
        List<T> found = all(objects, type);
        if (found.size() != 1) {
            throw new AssertionError("expected exactly one " + type.getSimpleName() + ", found " + found.size());
        }
        return found.get(0);
    }

    /** A deep copy (mutation tests break copies, never the rendered originals). */
    static List<HasMetadata> copy(List<HasMetadata> objects) {
        return objects.stream().map(SERIALIZATION::clone).toList();
    }
}
