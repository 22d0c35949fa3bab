package io.github.vertxclassifier.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Every overlay and component renders with `kubectl kustomize` (SchemaValidationTest validates the objects),
 * and each overlay holds what it promises (the quickstart needs no CRD; production brings monitoring and the
 * HTTPRoute; the HPA alone owns the replica count).
 */
class KustomizeRenderTest {

    static final List<String> OVERLAYS = Manifests.OVERLAYS;
    static final List<String> COMPONENTS = Manifests.COMPONENTS;

    /** kubectl, which renders every manifest test's input (missing: fails with CI=true, else skipped). */
    static Path kubectl() {
        return Manifests.required(
                "kubectl",
                Manifests.onPath("kubectl"),
                System.getenv("CI"),
                "the manifest tests render every overlay with it; install kubectl 1.27+");
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void overlayRendersWithoutReplicasOrJob(String overlay) {
        List<HasMetadata> objects = Manifests.render(kubectl(), overlay);

        assertThat(Manifests.one(objects, Deployment.class).getSpec().getReplicas())
                .as("replicas (the HPA owns them)")
                .isNull();
        // `kubectl apply -k <overlay>` must never start a load test.
        assertThat(Manifests.all(objects, Job.class)).isEmpty();
    }

    @Test
    void quickstartNeedsNoCustomResourceDefinition() {
        List<HasMetadata> objects = Manifests.render(kubectl(), "k8s/overlays/quickstart");

        assertThat(kinds(objects))
                .containsExactlyInAnyOrder(
                        "v1 Namespace",
                        "v1 ConfigMap",
                        "v1 Service",
                        "apps/v1 Deployment",
                        "autoscaling/v2 HorizontalPodAutoscaler",
                        "policy/v1 PodDisruptionBudget");
        // Only API groups every cluster serves (no monitoring.coreos.com, gateway.networking.k8s.io, ...).
        assertThat(objects)
                .extracting(HasMetadata::getApiVersion)
                .allMatch(v ->
                        Set.of("v1", "apps/v1", "autoscaling/v2", "policy/v1").contains(v));
        HorizontalPodAutoscaler hpa = Manifests.one(objects, HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getMinReplicas()).as("two replicas at least").isEqualTo(2);
        assertThat(cpuLimit(objects)).isEqualTo("1");
        assertThat(javaOptions(objects)).contains("-XX:+UseSerialGC", "-XX:CICompilerCount=2");
    }

    @Test
    void productionAddsMonitoringAndTheHttpRouteAtTwoCores() {
        List<HasMetadata> objects = Manifests.render(kubectl(), "k8s/overlays/production");

        assertThat(kinds(objects))
                .containsExactlyInAnyOrder(
                        "v1 Namespace",
                        "v1 ConfigMap",
                        "v1 ConfigMap",
                        "v1 Service",
                        "apps/v1 Deployment",
                        "autoscaling/v2 HorizontalPodAutoscaler",
                        "policy/v1 PodDisruptionBudget",
                        "monitoring.coreos.com/v1 ServiceMonitor",
                        "monitoring.coreos.com/v1 PrometheusRule",
                        "gateway.networking.k8s.io/v1 HTTPRoute");
        HTTPRoute route = Manifests.one(objects, HTTPRoute.class);
        assertThat(route.getSpec().getParentRefs())
                .singleElement()
                .satisfies(p -> assertThat(p.getKind()).isEqualTo("Gateway"))
                .satisfies(p -> assertThat(p.getNamespace()).isNotBlank());
        assertThat(route.getSpec().getHostnames()).isNotEmpty();
        // The shipped overlays carry the release label k8s/components/monitoring declares (a team's overlay sets its
        // own).
        assertThat(Stream.concat(
                        Manifests.all(objects, ServiceMonitor.class).stream(),
                        Manifests.all(objects, PrometheusRule.class).stream()))
                .extracting(o -> o.getMetadata().getLabels().get("release"))
                .containsOnly(ManifestChecks.declaredReleaseLabel());
        assertThat(Manifests.one(objects, HorizontalPodAutoscaler.class)
                        .getSpec()
                        .getMinReplicas())
                .isGreaterThan(2);
        assertThat(cpuLimit(objects)).isEqualTo("2");
        assertThat(javaOptions(objects)).contains("-XX:+UseParallelGC", "-XX:CICompilerCount=2");
        assertThat(ManifestChecks.container(Manifests.one(objects, Deployment.class))
                        .getImage())
                .isNotEqualTo(ManifestChecks.container(
                                Manifests.one(Manifests.render(kubectl(), "k8s/overlays/quickstart"), Deployment.class))
                        .getImage());
    }

    /** Each component renders on top of the base alone, and all of them together on the quickstart. */
    @ParameterizedTest
    @FieldSource("COMPONENTS")
    void componentRendersOnTheBase(String component) {
        List<HasMetadata> objects = Manifests.renderWith(kubectl(), "k8s/base", List.of(component));

        assertThat(objects.size())
                .isGreaterThan(Manifests.render(kubectl(), "k8s/base").size());
        assertThat(ManifestChecks.routesReachOnlyThePublicPort(objects)).isEmpty();
    }

    @Test
    void everyComponentTogetherPassesEveryCheck() {
        List<HasMetadata> objects = Manifests.renderWith(kubectl(), "k8s/overlays/quickstart", COMPONENTS);

        assertThat(kinds(objects))
                .contains(
                        "networking.k8s.io/v1 Ingress",
                        "gateway.networking.k8s.io/v1 HTTPRoute",
                        "monitoring.coreos.com/v1 ServiceMonitor");
        ManifestChecks.ALL.forEach(
                (name, check) -> assertThat(check.apply(objects)).as(name).isEmpty());
    }

    @Test
    void configMapNameHashIsRewrittenInTheDeployment() {
        List<HasMetadata> objects = Manifests.render(kubectl(), "k8s/overlays/quickstart");
        Set<String> configMaps = Manifests.all(objects, ConfigMap.class).stream()
                .map(c -> c.getMetadata().getName())
                .collect(Collectors.toSet());
        Deployment deployment = Manifests.one(objects, Deployment.class);

        assertThat(ManifestChecks.volumes(deployment))
                .filteredOn(v -> v.getConfigMap() != null)
                .isNotEmpty()
                .allSatisfy(
                        v -> assertThat(configMaps).contains(v.getConfigMap().getName()));
        assertThat(configMaps).anyMatch(n -> n.startsWith("vertx-classifier-config-")); // content hash suffix
    }

    /** The Job: restricted pod security, the load-test image, no init container, parameters the script reads. */
    @Test
    void loadTestJobRunsTheImageRestrictedWithTheScriptsParameters() {
        List<HasMetadata> objects = Manifests.render(kubectl(), "k8s/loadtest");

        assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrder("ConfigMap", "Job");
        Job job = Manifests.one(objects, Job.class);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isNotNull();
        assertThat(pod.getInitContainers())
                .as("no init container (nothing installed at run time)")
                .isNullOrEmpty();
        assertThat(pod.getVolumes()).isNullOrEmpty();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser())
                .as("the image's USER")
                .isEqualTo(65532L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        Container container = pod.getContainers().get(0);
        assertThat(pod.getContainers()).hasSize(1);
        assertThat(container.getImage()).isEqualTo("vertx-classifier-loadtest:dev");
        assertThat(container.getCommand())
                .as("the image's ENTRYPOINT runs the script")
                .isNullOrEmpty();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getResources().getLimits()).containsKeys("cpu", "memory");

        ConfigMap parameters = Manifests.one(objects, ConfigMap.class);
        assertThat(container.getEnvFrom())
                .singleElement()
                .satisfies(e -> assertThat(e.getConfigMapRef().getName())
                        .isEqualTo(parameters.getMetadata().getName()));
        assertThat(new TreeSet<>(parameters.getData().keySet()))
                .as("every parameter is one the script reads")
                .isSubsetOf(scriptParameters());
        assertThat(parameters.getData()).containsKeys("TARGET_URL", "N", "STEPS", "STEP_DURATION", "THREADS");
        // wrk threads fit the CPU limit.
        assertThat(Integer.parseInt(parameters.getData().get("THREADS")))
                .isEqualTo(container
                        .getResources()
                        .getLimits()
                        .get("cpu")
                        .getNumericalAmount()
                        .intValueExact());
    }

    /** The image runs the script as the Job's user: the Dockerfile's USER and ENTRYPOINT. */
    @Test
    void loadTestDockerfileInstallsWrkAtBuildAndRunsTheScriptAsTheJobsUser() {
        String dockerfile = Manifests.read("k8s/loadtest/Dockerfile");

        assertThat(dockerfile)
                .contains("FROM docker.io/library/debian:bookworm-slim")
                .containsPattern("apt-get install [^\\n]*wrk")
                .contains("COPY loadtest.sh /usr/local/bin/loadtest")
                .contains("USER 65532:65532")
                .contains("ENTRYPOINT [\"/usr/local/bin/loadtest\"]");
    }

    /** Variables the script reads with a default or a check: {@code NAME="${NAME:-...}"}. */
    static Set<String> scriptParameters() {
        Matcher m = Pattern.compile("(?m)^([A-Z_]+)=\"\\$\\{\\1:-").matcher(Manifests.read("k8s/loadtest/loadtest.sh"));
        Set<String> names = new TreeSet<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static List<String> kinds(List<HasMetadata> objects) {
        return objects.stream().map(o -> o.getApiVersion() + " " + o.getKind()).toList();
    }

    private static String cpuLimit(List<HasMetadata> objects) {
        return ManifestChecks.container(Manifests.one(objects, Deployment.class))
                .getResources()
                .getLimits()
                .get("cpu")
                .toString();
    }

    private static String javaOptions(List<HasMetadata> objects) {
        return ManifestChecks.container(Manifests.one(objects, Deployment.class)).getEnv().stream()
                .filter(e -> e.getName().equals("JAVA_TOOL_OPTIONS"))
                .findFirst()
                .orElseThrow()
                .getValue();
    }
}
