package io.github.vertxclassifier.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceBackendPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every cross-check passes on every overlay, and every check fails on a deliberately broken copy of the
 * quickstart with every component added (so no check can pass vacuously).
 */
class ManifestConsistencyTest {

    @TestFactory
    Stream<DynamicTest> everyCheckPassesOnEveryOverlay() {
        var kubectl = KustomizeRenderTest.kubectl();
        return Manifests.OVERLAYS.stream().flatMap(overlay -> {
            List<HasMetadata> objects = Manifests.render(kubectl, overlay);
            return ManifestChecks.ALL.entrySet().stream()
                    .map(check -> DynamicTest.dynamicTest(
                            overlay + ": " + check.getKey(),
                            () -> assertThat(check.getValue().apply(objects))
                                    .as(overlay + ": " + check.getKey())
                                    .isEmpty()));
        });
    }

    @TestFactory
    Stream<DynamicTest> everyCheckFailsOnABrokenCopy() {
        List<HasMetadata> rendered =
                Manifests.renderWith(KustomizeRenderTest.kubectl(), "k8s/overlays/quickstart", Manifests.COMPONENTS);
        Map<String, List<Breakage>> breakages = breakages();
        assertThat(breakages.keySet())
                .as("every check has at least one breakage")
                .isEqualTo(ManifestChecks.ALL.keySet());
        return breakages.entrySet().stream()
                .flatMap(entry -> entry.getValue().stream()
                        .map(breakage -> DynamicTest.dynamicTest(
                                entry.getKey() + " fails when " + breakage.description(), () -> {
                                    Function<List<HasMetadata>, List<String>> check =
                                            ManifestChecks.ALL.get(entry.getKey());
                                    assertThat(check.apply(rendered))
                                            .as("passes before breaking")
                                            .isEmpty();
                                    List<HasMetadata> broken = Manifests.copy(rendered);
                                    breakage.apply().accept(broken);
                                    assertThat(check.apply(broken))
                                            .as(breakage.description())
                                            .isNotEmpty();
                                })));
    }

    @Test
    void effectiveConfigurationLetsTheEnvironmentWinOverTheMountedFile() {
        List<HasMetadata> objects =
                Manifests.copy(Manifests.render(KustomizeRenderTest.kubectl(), "k8s/overlays/production"));
        assertThat(ManifestChecks.effectiveConfig(objects).getValue("INSTANCES"))
                .isEqualTo("auto");
        assertThat(ManifestChecks.effectiveConfig(objects).getValue("SHUTDOWN_DRAIN_SECONDS"))
                .isEqualTo(5);

        env(objects).add(new EnvVar("SHUTDOWN_DRAIN_SECONDS", "40", null));
        assertThat(ManifestChecks.effectiveConfig(objects).getValue("SHUTDOWN_DRAIN_SECONDS"))
                .isEqualTo("40");
        assertThat(ManifestChecks.gracePeriod(objects))
                .singleElement()
                .asString()
                .contains("terminationGracePeriodSeconds");
    }

    record Breakage(String description, Consumer<List<HasMetadata>> apply) {}

    private static Map<String, List<Breakage>> breakages() {
        Map<String, List<Breakage>> b = new LinkedHashMap<>();
        b.put(
                "deployment selector matches pod template labels",
                List.of(new Breakage(
                        "pod labels change", o -> podLabels(o).put("app.kubernetes.io/component", "other"))));
        b.put(
                "service selects the pods",
                List.of(
                        new Breakage(
                                "service selector points elsewhere",
                                o -> service(o).getSpec().getSelector().put("app.kubernetes.io/name", "x")),
                        new Breakage(
                                "service targets an unnamed port",
                                o -> service(o).getSpec().getPorts().get(0).setTargetPort(new IntOrString("web")))));
        b.put(
                "pod disruption budget targets the deployment",
                List.of(
                        new Breakage(
                                "pdb selects other pods",
                                o -> Manifests.one(o, PodDisruptionBudget.class)
                                        .getSpec()
                                        .getSelector()
                                        .getMatchLabels()
                                        .put("app.kubernetes.io/name", "x")),
                        new Breakage(
                                "pdb keeps unhealthy pods",
                                o -> Manifests.one(o, PodDisruptionBudget.class)
                                        .getSpec()
                                        .setUnhealthyPodEvictionPolicy("IfHealthyBudget"))));
        b.put(
                "hpa owns the replica count, on cpu",
                List.of(
                        new Breakage(
                                "hpa targets another deployment",
                                o -> Manifests.one(o, HorizontalPodAutoscaler.class)
                                        .getSpec()
                                        .getScaleTargetRef()
                                        .setName("other")),
                        new Breakage(
                                "hpa bounds inverted",
                                o -> Manifests.one(o, HorizontalPodAutoscaler.class)
                                        .getSpec()
                                        .setMinReplicas(5)),
                        new Breakage(
                                "deployment sets replicas",
                                o -> deployment(o).getSpec().setReplicas(2))));
        b.put(
                "routes reach only the public port",
                List.of(
                        new Breakage(
                                "ingress routes the management port",
                                o -> ingressPort(o).setName("management")),
                        new Breakage("ingress routes management by number", o -> {
                            ingressPort(o).setName(null);
                            ingressPort(o).setNumber(9090);
                        }),
                        new Breakage(
                                "httproute routes the management port",
                                o -> routeBackend(o).setPort(9090)),
                        new Breakage(
                                "httproute routes another service",
                                o -> routeBackend(o).setName("other")),
                        new Breakage(
                                "httproute has no gateway",
                                o -> Manifests.one(o, HTTPRoute.class)
                                        .getSpec()
                                        .getParentRefs()
                                        .clear())));
        b.put(
                "servicemonitor scrapes the management port",
                List.of(
                        new Breakage(
                                "endpoint is the public port",
                                o -> monitor(o).getSpec().getEndpoints().get(0).setPort("http")),
                        new Breakage(
                                "endpoint path is wrong",
                                o -> monitor(o).getSpec().getEndpoints().get(0).setPath("/prometheus")),
                        new Breakage(
                                "selector misses the service",
                                o -> monitor(o)
                                        .getSpec()
                                        .getSelector()
                                        .getMatchLabels()
                                        .put("app.kubernetes.io/component", "x"))));
        b.put(
                "release label set once on the monitoring objects",
                List.of(
                        new Breakage(
                                "servicemonitor release label differs",
                                o -> monitor(o).getMetadata().getLabels().put("release", "prom")),
                        new Breakage(
                                "prometheusrule loses the label",
                                o -> Manifests.one(o, PrometheusRule.class)
                                        .getMetadata()
                                        .getLabels()
                                        .remove("release"))));
        b.put(
                "probes on the management port",
                List.of(
                        new Breakage(
                                "readiness on the public port",
                                o -> container(o)
                                        .getReadinessProbe()
                                        .getHttpGet()
                                        .setPort(new IntOrString("http"))),
                        new Breakage(
                                "liveness path wrong",
                                o -> container(o)
                                        .getLivenessProbe()
                                        .getHttpGet()
                                        .setPath("/health/ready"))));
        b.put(
                "grace period covers preStop and drain",
                List.of(
                        new Breakage(
                                "grace equals preStop + drain",
                                o -> deployment(o)
                                        .getSpec()
                                        .getTemplate()
                                        .getSpec()
                                        .setTerminationGracePeriodSeconds(10L)),
                        new Breakage("no preStop", o -> container(o).setLifecycle(null))));
        b.put(
                "limits.cpu is the one size, GC explicit",
                List.of(
                        new Breakage("INSTANCES pinned", o -> setEnv(o, "INSTANCES", "1")),
                        new Breakage("INSTANCES not set", o -> env(o).removeIf(e -> "INSTANCES".equals(e.getName()))),
                        new Breakage(
                                "INSTANCES from requests.cpu",
                                o -> instancesField(o).setResource("requests.cpu")),
                        new Breakage(
                                "INSTANCES in millicores",
                                o -> instancesField(o).setDivisor(new Quantity("1m"))),
                        new Breakage(
                                "no cpu request",
                                o -> container(o).getResources().getRequests().remove("cpu")),
                        new Breakage(
                                "ActiveProcessorCount pinned",
                                o -> setEnv(
                                        o,
                                        "JAVA_TOOL_OPTIONS",
                                        "-XX:ActiveProcessorCount=1 -XX:+UseSerialGC -XX:MaxRAMPercentage=75.0")),
                        new Breakage(
                                "fractional cpu",
                                o -> container(o).getResources().getLimits().put("cpu", new Quantity("1500m"))),
                        new Breakage(
                                "cpu in millicores below one core",
                                o -> container(o).getResources().getLimits().put("cpu", new Quantity("500m"))),
                        new Breakage(
                                "no cpu limit",
                                o -> container(o).getResources().getLimits().remove("cpu")),
                        new Breakage(
                                "requests below limits",
                                o -> container(o)
                                        .getResources()
                                        .setRequests(new java.util.HashMap<>(Map.of("cpu", new Quantity("500m"))))),
                        new Breakage("no GC named", o -> setEnv(o, "JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75.0")),
                        new Breakage(
                                "SerialGC at 2 cores",
                                o -> container(o).getResources().getLimits().put("cpu", new Quantity("2"))),
                        new Breakage(
                                "ParallelGC at 1 core",
                                o -> setEnv(o, "JAVA_TOOL_OPTIONS", "-XX:+UseParallelGC -XX:MaxRAMPercentage=75.0"))));
        b.put(
                "memory limits and MaxRAMPercentage",
                List.of(
                        new Breakage("no MaxRAMPercentage", o -> setEnv(o, "JAVA_TOOL_OPTIONS", "-XX:+UseSerialGC")),
                        new Breakage(
                                "no memory limit",
                                o -> container(o).getResources().getLimits().remove("memory")),
                        new Breakage(
                                "no memory request",
                                o -> container(o).getResources().getRequests().remove("memory")),
                        new Breakage(
                                "direct memory uncapped",
                                o -> setEnv(o, "JAVA_TOOL_OPTIONS", "-XX:+UseSerialGC -XX:MaxRAMPercentage=50.0")),
                        new Breakage(
                                "heap and caps above the limit",
                                o -> setEnv(
                                        o,
                                        "JAVA_TOOL_OPTIONS",
                                        "-XX:+UseSerialGC -XX:MaxRAMPercentage=75.0 -XX:MaxDirectMemorySize=64m"))));
        b.put(
                "env vars are ones the service reads",
                List.of(new Breakage("misspelt variable", o -> env(o).add(new EnvVar("HTTP_PROT", "8080", null)))));
        b.put(
                "config file mounted from config/application.yaml and valid",
                List.of(
                        new Breakage(
                                "CONFIG_FILE outside the mount",
                                o -> setEnv(o, "CONFIG_FILE", "/etc/other/application.yaml")),
                        new Breakage(
                                "ConfigMap content edited by hand",
                                o -> configMap(o, "vertx-classifier-config")
                                        .getData()
                                        .compute("application.yaml", (k, v) -> v + "\nCLASSIFIER_ALGORITHM: table\n")),
                        new Breakage("env value the service rejects", o -> setEnv(o, "CLASSIFIER_ALGORITHM", "fast"))));
        b.put(
                "container ports match the configured ports",
                List.of(new Breakage("HTTP_PORT moved", o -> setEnv(o, "HTTP_PORT", "8081"))));
        b.put(
                "pod security",
                List.of(
                        new Breakage(
                                "writable root filesystem",
                                o -> container(o).getSecurityContext().setReadOnlyRootFilesystem(false)),
                        new Breakage(
                                "privilege escalation",
                                o -> container(o).getSecurityContext().setAllowPrivilegeEscalation(true)),
                        new Breakage(
                                "capability added",
                                o -> container(o)
                                        .getSecurityContext()
                                        .getCapabilities()
                                        .setAdd(new ArrayList<>(List.of("NET_ADMIN")))),
                        new Breakage(
                                "no /tmp",
                                o -> container(o).getVolumeMounts().removeIf(m -> "/tmp".equals(m.getMountPath()))),
                        new Breakage(
                                "no seccomp",
                                o -> deployment(o)
                                        .getSpec()
                                        .getTemplate()
                                        .getSpec()
                                        .getSecurityContext()
                                        .setSeccompProfile(null)),
                        new Breakage("runs as root", o -> {
                            deployment(o)
                                    .getSpec()
                                    .getTemplate()
                                    .getSpec()
                                    .getSecurityContext()
                                    .setRunAsNonRoot(null);
                            container(o).getSecurityContext().setRunAsNonRoot(null);
                        })));
        b.put(
                "dashboard configmap equals the dashboard file",
                List.of(
                        new Breakage(
                                "dashboard edited in the ConfigMap",
                                o -> configMap(o, "vertx-classifier-dashboard")
                                        .getData()
                                        .put("vertx-classifier.json", "{}")),
                        new Breakage(
                                "dashboard label dropped",
                                o -> configMap(o, "vertx-classifier-dashboard")
                                        .getMetadata()
                                        .getLabels()
                                        .remove("grafana_dashboard"))));
        b.put(
                "prometheusrule spec equals the rule file",
                List.of(
                        new Breakage(
                                "rule edited in the PrometheusRule",
                                o -> Manifests.one(o, PrometheusRule.class)
                                        .getSpec()
                                        .getGroups()
                                        .get(0)
                                        .getRules()
                                        .get(0)
                                        .setFor("99m")),
                        new Breakage(
                                "group renamed",
                                o -> Manifests.one(o, PrometheusRule.class)
                                        .getSpec()
                                        .getGroups()
                                        .get(0)
                                        .setName("x"))));
        b.put(
                "one namespace for every object",
                List.of(new Breakage(
                        "service elsewhere", o -> service(o).getMetadata().setNamespace("default"))));
        b.put(
                "namespace enforces pod security restricted",
                List.of(
                        new Breakage(
                                "namespace only warns",
                                o -> namespaceLabels(o).remove("pod-security.kubernetes.io/enforce")),
                        new Breakage(
                                "enforce follows the cluster's version",
                                o -> namespaceLabels(o).put("pod-security.kubernetes.io/enforce-version", "latest")),
                        new Breakage(
                                "audit at baseline",
                                o -> namespaceLabels(o).put("pod-security.kubernetes.io/audit", "baseline"))));
        b.put(
                "pods spread over nodes and zones",
                List.of(
                        new Breakage(
                                "no zone constraint",
                                o -> spread(o).removeIf(c -> GuardrailChecks.ZONE_KEY.equals(c.getTopologyKey()))),
                        new Breakage(
                                "old and new ReplicaSet counted together",
                                o -> spread(o).forEach(c -> c.setMatchLabelKeys(null))),
                        new Breakage(
                                "zones required", o -> spread(o).forEach(c -> c.setWhenUnsatisfiable("DoNotSchedule"))),
                        new Breakage(
                                "spread selects other pods",
                                o -> spread(o)
                                        .get(0)
                                        .getLabelSelector()
                                        .getMatchLabels()
                                        .put("app.kubernetes.io/name", "x"))));
        b.put(
                "network policies keep the management port to a namespace",
                List.of(
                        new Breakage(
                                "management from everywhere",
                                o -> policy(o, "management")
                                        .getSpec()
                                        .getIngress()
                                        .get(0)
                                        .setFrom(null)),
                        new Breakage(
                                "management from an address block",
                                o -> policy(o, "management")
                                        .getSpec()
                                        .getIngress()
                                        .get(0)
                                        .getFrom()
                                        .get(0)
                                        .setIpBlock(new io.fabric8.kubernetes.api.model.networking.v1.IPBlock(
                                                "0.0.0.0/0", null))),
                        new Breakage(
                                "public rule opens every port",
                                o -> policy(o, "public")
                                        .getSpec()
                                        .getIngress()
                                        .get(0)
                                        .setPorts(null)),
                        new Breakage(
                                "public port not allowed",
                                o -> policy(o, "public").getSpec().getIngress().clear()),
                        new Breakage(
                                "policy selects other pods",
                                o -> policy(o, "management")
                                        .getSpec()
                                        .getPodSelector()
                                        .getMatchLabels()
                                        .put("app.kubernetes.io/name", "x"))));
        return b;
    }

    private static ResourceFieldSelector instancesField(List<HasMetadata> o) {
        return env(o).stream()
                .filter(e -> "INSTANCES".equals(e.getName()))
                .findFirst()
                .orElseThrow()
                .getValueFrom()
                .getResourceFieldRef();
    }

    private static Map<String, String> namespaceLabels(List<HasMetadata> o) {
        return Manifests.one(o, Namespace.class).getMetadata().getLabels();
    }

    private static List<TopologySpreadConstraint> spread(List<HasMetadata> o) {
        return deployment(o).getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
    }

    private static NetworkPolicy policy(List<HasMetadata> o, String suffix) {
        return Manifests.all(o, NetworkPolicy.class).stream()
                .filter(p -> p.getMetadata().getName().endsWith("-" + suffix))
                .findFirst()
                .orElseThrow();
    }

    private static Deployment deployment(List<HasMetadata> o) {
        return Manifests.one(o, Deployment.class);
    }

    private static Container container(List<HasMetadata> o) {
        return ManifestChecks.container(deployment(o));
    }

    private static Map<String, String> podLabels(List<HasMetadata> o) {
        return deployment(o).getSpec().getTemplate().getMetadata().getLabels();
    }

    private static Service service(List<HasMetadata> o) {
        return Manifests.one(o, Service.class);
    }

    private static ServiceMonitor monitor(List<HasMetadata> o) {
        return Manifests.one(o, ServiceMonitor.class);
    }

    private static ServiceBackendPort ingressPort(List<HasMetadata> o) {
        return Manifests.one(o, Ingress.class)
                .getSpec()
                .getRules()
                .get(0)
                .getHttp()
                .getPaths()
                .get(0)
                .getBackend()
                .getService()
                .getPort();
    }

    private static HTTPBackendRef routeBackend(List<HasMetadata> o) {
        return Manifests.one(o, HTTPRoute.class)
                .getSpec()
                .getRules()
                .get(0)
                .getBackendRefs()
                .get(0);
    }

    private static ConfigMap configMap(List<HasMetadata> o, String prefix) {
        return Manifests.all(o, ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().startsWith(prefix))
                .findFirst()
                .orElseThrow();
    }

    private static List<EnvVar> env(List<HasMetadata> o) {
        return container(o).getEnv();
    }

    private static void setEnv(List<HasMetadata> o, String name, String value) {
        env(o).removeIf(e -> name.equals(e.getName()));
        env(o).add(new EnvVar(name, value, null));
    }
}
