package io.github.vertxclassifier.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The example of a team's own overlay (k8s/examples/team-overlay) sets every cluster-specific value with standard
 * kustomize only: each value lands everywhere it must, no shipped default or placeholder is left in the
 * rendering, and changing the image tag changes the pod template (so the pods roll).
 */
class ExampleOverlayTest {

    static final String VALUES = Manifests.EXAMPLE + "/values.yaml";
    static final String DASHBOARD = Manifests.EXAMPLE + "/vertx-classifier.json";
    static final String TEAM_IMAGE = "registry.acme.internal/platform/vertx-classifier";
    static final String TEAM_LOADTEST_IMAGE = "registry.acme.internal/platform/vertx-classifier-loadtest";
    static final String TEAM_TAG = "2.3.1";

    @Test
    void everyValueLandsWhereItMust() {
        Map<String, String> v = values();
        List<HasMetadata> objects = Manifests.render(KustomizeRenderTest.kubectl(), Manifests.EXAMPLE);
        // Every check, except the two that compare with the repository's files byte for byte: the team's runbook
        // links differ there (compared below, and in dashboardLinksGoToTheTeamsRunbook).
        ManifestChecks.ALL.forEach((name, check) -> {
            if (!name.equals("dashboard configmap equals the dashboard file")
                    && !name.equals("prometheusrule spec equals the rule file")) {
                assertThat(check.apply(objects)).as(name).isEmpty();
            }
        });
        JsonNode teamRules = Manifests.documents(
                        Manifests.read(ManifestChecks.RULE_FILE).replace(repositoryRunbookBase(), v.get("runbookBase")))
                .get(0);
        assertThat(ManifestChecks.compareRuleSpec(
                        Manifests.SERIALIZATION.convertValue(
                                Manifests.one(objects, PrometheusRule.class).getSpec(), JsonNode.class),
                        teamRules,
                        "PrometheusRule"))
                .as("the rules are the repository's, with the team's runbook base")
                .isEmpty();
        assertThat(objects)
                .as("values.yaml is local-config: never applied")
                .noneMatch(o -> o.getMetadata().getName().equals("cluster-values"));

        String namespace = Manifests.one(objects, Namespace.class).getMetadata().getName();
        assertThat(namespace).isEqualTo("classifier-team");
        assertThat(objects)
                .filteredOn(o -> !(o instanceof Namespace))
                .allSatisfy(o -> assertThat(o.getMetadata().getNamespace())
                        .as(o.getKind())
                        .isEqualTo(namespace));
        assertThat(Stream.concat(
                        Manifests.all(objects, ServiceMonitor.class).stream(),
                        Manifests.all(objects, PrometheusRule.class).stream()))
                .hasSize(2)
                .allSatisfy(o ->
                        assertThat(o.getMetadata().getLabels()).containsEntry("release", v.get("prometheusRelease")));
        assertThat(ManifestChecks.container(Manifests.one(objects, Deployment.class))
                        .getImage())
                .isEqualTo(TEAM_IMAGE + ":" + TEAM_TAG);

        HTTPRoute route = Manifests.one(objects, HTTPRoute.class);
        assertThat(route.getSpec().getParentRefs()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo(v.get("gatewayName"));
            assertThat(p.getNamespace()).isEqualTo(v.get("gatewayNamespace"));
        });
        assertThat(route.getSpec().getHostnames()).containsExactly(v.get("hostname"));
        Ingress ingress = Manifests.one(objects, Ingress.class);
        assertThat(ingress.getSpec().getIngressClassName()).isEqualTo(v.get("ingressClass"));
        assertThat(ingress.getSpec().getRules())
                .singleElement()
                .satisfies(r -> assertThat(r.getHost()).isEqualTo(v.get("hostname")));

        assertThat(Manifests.one(objects, ServiceMonitor.class).getSpec().getEndpoints())
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.getInterval()).isEqualTo(v.get("scrapeInterval"));
                    assertThat(e.getScrapeTimeout()).isEqualTo(v.get("scrapeTimeout"));
                });
        List<String> runbooks = Manifests.one(objects, PrometheusRule.class).getSpec().getGroups().stream()
                .flatMap(g -> g.getRules().stream())
                .map(r -> r.getAnnotations().get("runbook_url"))
                .toList();
        assertThat(runbooks).isNotEmpty().allSatisfy(url -> assertThat(url).startsWith(v.get("runbookBase") + "#"));

        assertThat(policyNamespace(objects, "vertx-classifier-management")).isEqualTo(v.get("monitoringNamespace"));
        assertThat(policyNamespace(objects, "vertx-classifier-public")).isEqualTo(v.get("gatewayNamespace"));
    }

    /** The dashboard's links go to the team's runbook, and the committed dashboard is the generated one. */
    @Test
    void dashboardLinksGoToTheTeamsRunbook() {
        String base = values().get("runbookBase");
        String expected = Manifests.read(ManifestChecks.DASHBOARD_FILE).replace(repositoryRunbookBase(), base);
        assertThat(Manifests.read(DASHBOARD))
                .as(DASHBOARD + " is out of date: run k8s/examples/team-overlay/generate-dashboard.sh and commit it")
                .isEqualTo(expected);

        List<HasMetadata> objects = Manifests.render(KustomizeRenderTest.kubectl(), Manifests.EXAMPLE);
        List<ConfigMap> dashboards = Manifests.all(objects, ConfigMap.class).stream()
                .filter(c -> "1".equals(c.getMetadata().getLabels().get("grafana_dashboard")))
                .toList();
        assertThat(dashboards).singleElement().satisfies(c -> {
            assertThat(c.getMetadata().getName()).isEqualTo("vertx-classifier-dashboard");
            assertThat(c.getMetadata().getAnnotations()).containsKey("grafana_folder");
            assertThat(c.getData()).containsOnlyKeys("vertx-classifier.json");
            String json = c.getData().get("vertx-classifier.json");
            assertThat(json).isEqualTo(expected).contains(base);
        });
    }

    /**
     * Nothing the repository ships for its own overlays is left: each default is read from the shipped files, so a
     * new default (another interval, another runbook base) is covered too. The load test's overlay is included.
     */
    @Test
    void noShippedDefaultOrPlaceholderLeaks() {
        var kubectl = KustomizeRenderTest.kubectl();
        String rendered = Manifests.kustomize(kubectl, Manifests.EXAMPLE) + "\n---\n"
                + Manifests.kustomize(kubectl, Manifests.EXAMPLE_LOADTEST);
        List<HasMetadata> production = Manifests.render(kubectl, "k8s/overlays/production");
        List<HasMetadata> quickstart = Manifests.render(kubectl, "k8s/overlays/quickstart");
        HTTPRoute route = Manifests.one(production, HTTPRoute.class);
        JsonNode ingress = Manifests.documents(Manifests.read("k8s/components/ingress/ingress.yaml"))
                .get(0);

        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("release label", "release: " + ManifestChecks.declaredReleaseLabel());
        defaults.put(
                "production image",
                ManifestChecks.container(Manifests.one(production, Deployment.class))
                        .getImage());
        defaults.put(
                "quickstart image",
                ManifestChecks.container(Manifests.one(quickstart, Deployment.class))
                        .getImage());
        defaults.put(
                "load-test image",
                Manifests.one(Manifests.render(kubectl, "k8s/loadtest"), Job.class)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getImage());
        defaults.put("production registry", "ghcr.io/example/");
        defaults.put(
                "Gateway name",
                "name: " + route.getSpec().getParentRefs().get(0).getName() + "\n");
        defaults.put("Gateway namespace", route.getSpec().getParentRefs().get(0).getNamespace());
        defaults.put("route hostname", route.getSpec().getHostnames().get(0));
        defaults.put(
                "Ingress class",
                "ingressClassName: " + ingress.at("/spec/ingressClassName").asText() + "\n");
        defaults.put("Ingress host", ingress.at("/spec/rules/0/host").asText());
        defaults.put("runbook base", repositoryRunbookBase());
        defaults.put("runbook placeholder", "git.example.com");
        defaults.put(
                "namespace",
                "namespace: "
                        + Manifests.one(production, Namespace.class)
                                .getMetadata()
                                .getName() + "\n");
        defaults.put(
                "service address in the namespace",
                "." + Manifests.one(production, Namespace.class).getMetadata().getName() + ".svc");
        defaults.put("monitoring namespace", GuardrailChecks.NAMESPACE_NAME_LABEL + ": monitoring\n");
        defaults.forEach((what, value) -> assertThat(rendered)
                .as("shipped " + what + " left in the rendering")
                .doesNotContain(value));

        String shippedInterval = Manifests.one(production, ServiceMonitor.class)
                .getSpec()
                .getEndpoints()
                .get(0)
                .getInterval();
        assertThat(Manifests.one(Manifests.render(kubectl, Manifests.EXAMPLE), ServiceMonitor.class)
                        .getSpec()
                        .getEndpoints()
                        .get(0)
                        .getInterval())
                .as("scrape interval")
                .isNotNull()
                .isNotEqualTo(shippedInterval);
    }

    /** The tag is in the pod template: a new tag is a new template (a new ReplicaSet, the pods roll), nothing else. */
    @Test
    void changingTheImageTagRollsThePods() throws IOException {
        var kubectl = KustomizeRenderTest.kubectl();
        PodTemplateSpec before = Manifests.one(Manifests.render(kubectl, Manifests.EXAMPLE), Deployment.class)
                .getSpec()
                .getTemplate();
        PodTemplateSpec after = Manifests.one(renderOnTop(kubectl, """
        images:
          - name: %s
            newTag: 2.3.2
        """.formatted(TEAM_IMAGE)), Deployment.class)
                .getSpec()
                .getTemplate();

        assertThat(after.getSpec().getContainers().get(0).getImage()).isEqualTo(TEAM_IMAGE + ":2.3.2");
        assertThat(after).isNotEqualTo(before);
        after.getSpec()
                .getContainers()
                .get(0)
                .setImage(before.getSpec().getContainers().get(0).getImage());
        assertThat(after).as("only the image differs").isEqualTo(before);
    }

    @Test
    void loadTestRunsTheTeamsImageThroughTheGateway() {
        Map<String, String> v = values();
        List<HasMetadata> objects = Manifests.render(KustomizeRenderTest.kubectl(), Manifests.EXAMPLE_LOADTEST);
        Job job = Manifests.one(objects, Job.class);
        assertThat(job.getMetadata().getNamespace()).isEqualTo("classifier-team");
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo(TEAM_LOADTEST_IMAGE + ":" + TEAM_TAG);
        Map<String, String> parameters = Manifests.one(objects, ConfigMap.class).getData();
        assertThat(parameters.get("TARGET_URL")).contains("." + v.get("gatewayNamespace") + ".svc");
        assertThat(parameters.get("HOST_HEADER")).isEqualTo(v.get("hostname"));
    }

    /** values.yaml's data: the team's values. */
    static Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        Manifests.documents(Manifests.read(VALUES))
                .get(0)
                .path("data")
                .fields()
                .forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
        return values;
    }

    /** The repository's runbook base: a runbook_url of the rule file without its '#anchor'. */
    static String repositoryRunbookBase() {
        Matcher m = Pattern.compile("runbook_url: \"?([^\"#]+)#").matcher(Manifests.read(ManifestChecks.RULE_FILE));
        assertThat(m.find()).as("a runbook_url in " + ManifestChecks.RULE_FILE).isTrue();
        return m.group(1);
    }

    private static String policyNamespace(List<HasMetadata> objects, String name) {
        NetworkPolicy policy = Manifests.all(objects, NetworkPolicy.class).stream()
                .filter(p -> p.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow();
        return policy.getSpec()
                .getIngress()
                .get(0)
                .getFrom()
                .get(0)
                .getNamespaceSelector()
                .getMatchLabels()
                .get(GuardrailChecks.NAMESPACE_NAME_LABEL);
    }

    /** Renders a kustomization of the example as its resource plus {@code body}, in a directory under target/. */
    private static List<HasMetadata> renderOnTop(Path kubectl, String body) throws IOException {
        Path dir = Files.createTempDirectory(
                Files.createDirectories(Manifests.root().resolve("target")), "kustomize-");
        try {
            Files.writeString(
                    dir.resolve("kustomization.yaml"),
                    "apiVersion: kustomize.config.k8s.io/v1beta1\n" + "kind: Kustomization\nresources:\n  - "
                            + dir.relativize(Manifests.file(Manifests.EXAMPLE)) + "\n" + body);
            return Manifests.render(kubectl, Manifests.root().relativize(dir).toString());
        } finally {
            Files.deleteIfExists(dir.resolve("kustomization.yaml"));
            Files.deleteIfExists(dir);
        }
    }
}
