package io.github.vertxclassifier.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * Every object of every rendering (each overlay, each component on the base, all components together, the example
 * team overlay, both load tests) against its published schema, and for unknown fields. What that gives, shown
 * below on broken copies: a wrong type, a missing required field, a value outside an enum and an unknown
 * apiVersion/kind fail the schema validation; an unknown field passes it and fails {@link StrictModel}.
 */
class SchemaValidationTest {

    static final List<String> RENDERINGS = List.of(
            "k8s/overlays/quickstart",
            "k8s/overlays/production",
            Manifests.EXAMPLE,
            Manifests.EXAMPLE_LOADTEST,
            "k8s/loadtest");

    @Test
    void everyRenderedObjectIsValidAndHasNoUnknownField() {
        Path kubectl = KustomizeRenderTest.kubectl();
        List<JsonNode> objects = new ArrayList<>();
        RENDERINGS.forEach(dir -> objects.addAll(Manifests.renderedDocuments(kubectl, dir, List.of())));
        Manifests.COMPONENTS.forEach(c -> objects.addAll(Manifests.renderedDocuments(kubectl, "k8s/base", List.of(c))));
        objects.addAll(Manifests.renderedDocuments(kubectl, "k8s/overlays/quickstart", Manifests.COMPONENTS));

        assertThat(objects)
                .extracting(o -> o.path("kind").asText())
                .contains(
                        "Deployment",
                        "Job",
                        "ServiceMonitor",
                        "PrometheusRule",
                        "HTTPRoute",
                        "Ingress",
                        "NetworkPolicy");
        List<String> problems = new ArrayList<>(SchemaValidation.problems(objects));
        objects.forEach(o -> problems.addAll(StrictModel.problems(Manifests.toModel(o))));
        assertThat(problems).isEmpty();
    }

    /** A new overlay or component under k8s/ joins the validation above instead of staying unseen. */
    @Test
    void everyKustomizationUnderK8sIsRendered() throws IOException {
        try (Stream<Path> files = Files.walk(Manifests.file("k8s"))) {
            assertThat(files.filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
                            .map(f -> Manifests.root().relativize(f.getParent()).toString()))
                    .filteredOn(d -> !d.equals("k8s/base")
                            && !RENDERINGS.contains(d)
                            && Manifests.COMPONENTS.stream().noneMatch(c -> d.startsWith(c + "/") || d.equals(c)))
                    .as("kustomizations neither in RENDERINGS nor in Manifests.COMPONENTS")
                    .isEmpty();
        }
    }

    @Test
    void brokenObjectsFailWithTheirPath() {
        List<JsonNode> production =
                Manifests.renderedDocuments(KustomizeRenderTest.kubectl(), "k8s/overlays/production", List.of());
        ObjectNode deployment = copyOf(production, "Deployment");
        deployment.with("spec").put("replicas", "2");
        ((ObjectNode) deployment.at("/spec/template/spec/containers/0")).remove("name");
        ObjectNode service = copyOf(production, "Service");
        service.with("spec").put("type", "Public");
        ObjectNode monitor = copyOf(production, "ServiceMonitor");
        ((ObjectNode) monitor.at("/spec/endpoints/0")).put("port", 9090);
        ObjectNode route = copyOf(production, "HTTPRoute");
        ((ObjectNode) route.at("/spec/parentRefs/0")).remove("name");
        ObjectNode unknownKind = copyOf(production, "PrometheusRule").put("kind", "PrometheusRules");
        ObjectNode unknownVersion =
                copyOf(production, "HorizontalPodAutoscaler").put("apiVersion", "autoscaling/v3");

        assertThat(SchemaValidation.problems(List.of(deployment, service, monitor, route, unknownKind, unknownVersion)))
                .anySatisfy(p -> assertThat(p).contains("Deployment").contains("/spec/replicas must be integer"))
                .anySatisfy(p ->
                        assertThat(p).contains("/spec/template/spec/containers/0 must have required property name"))
                .anySatisfy(p ->
                        assertThat(p).contains("Service").contains("/spec/type must be equal to one of the allowed"))
                .anySatisfy(
                        p -> assertThat(p).contains("ServiceMonitor").contains("/spec/endpoints/0/port must be string"))
                .anySatisfy(p -> assertThat(p).contains("HTTPRoute").contains("/spec/parentRefs/0 must have required"))
                .anySatisfy(p -> assertThat(p).contains("PrometheusRules").contains("unknown apiVersion/kind"))
                .anySatisfy(p -> assertThat(p).contains("autoscaling/v3").contains("unknown apiVersion/kind"));
    }

    @Test
    void unknownFieldPassesTheSchemasAndFailsStrictModel() {
        List<JsonNode> production =
                Manifests.renderedDocuments(KustomizeRenderTest.kubectl(), "k8s/overlays/production", List.of());
        ObjectNode deployment = copyOf(production, "Deployment");
        ((ObjectNode) deployment.at("/spec/template/spec/containers/0/readinessProbe")).put("periodSecond", 2);
        ObjectNode monitor = copyOf(production, "ServiceMonitor");
        monitor.with("spec").put("sampleLimitt", 10);

        assertThat(SchemaValidation.problems(List.of(deployment, monitor)))
                .as("schemas allow unknown fields")
                .isEmpty();
        assertThat(StrictModel.problems(Manifests.toModel(deployment)))
                .singleElement()
                .asString()
                .contains("readinessProbe")
                .contains("periodSecond");
        assertThat(StrictModel.problems(Manifests.toModel(monitor)))
                .singleElement()
                .asString()
                .contains("sampleLimitt");
    }

    @Test
    void missingToolFailsInCiAndIsSkippedElsewhere() {
        assertThatThrownBy(() -> Manifests.required("node", Optional.empty(), "true", "why"))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("node not found")
                .hasMessageContaining("CI=true")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Manifests.required("npm", Optional.empty(), null, "why"))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("skipping");
    }

    private static ObjectNode copyOf(List<JsonNode> objects, String kind) {
        return (ObjectNode) objects.stream()
                .filter(o -> kind.equals(o.path("kind").asText()))
                .findFirst()
                .orElseThrow()
                .deepCopy();
    }
}
