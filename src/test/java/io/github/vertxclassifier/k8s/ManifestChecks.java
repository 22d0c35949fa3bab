package io.github.vertxclassifier.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.github.vertxclassifier.config.ConfigLoader;
import io.github.vertxclassifier.config.ServiceConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Cross-checks over one rendered overlay (fabric8 objects). Each check returns the problems it found (empty =
 * pass), so a test can run it on the real rendering and on deliberately broken copies.
 */
final class ManifestChecks {

    static final String PUBLIC_PORT_NAME = "http";
    static final String MANAGEMENT_PORT_NAME = "management";
    static final String DASHBOARD_FILE = "grafana/vertx-classifier.json";
    static final String RULE_FILE = "grafana/alert-rules.yaml";
    static final String CONFIG_DEFAULTS = "config/application.yaml";
    static final String MONITORING_KUSTOMIZATION = "k8s/components/monitoring/prometheus-operator/kustomization.yaml";

    /** JVM variables the JVM itself reads; everything else in the Deployment's env must be read by the service. */
    static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    private static final Pattern ACTIVE_PROCESSORS = Pattern.compile("-XX:ActiveProcessorCount=(\\S+)");
    private static final Pattern GC = Pattern.compile("-XX:\\+Use(\\w+)GC\\b");
    private static final Pattern MAX_RAM_PERCENTAGE = Pattern.compile("-XX:MaxRAMPercentage=([0-9.]+)");

    /** Every check by name, in report order. */
    static final Map<String, Function<List<HasMetadata>, List<String>>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("deployment selector matches pod template labels", ManifestChecks::deploymentSelector);
        ALL.put("service selects the pods", ManifestChecks::serviceSelector);
        ALL.put("pod disruption budget targets the deployment", ManifestChecks::podDisruptionBudget);
        ALL.put("hpa owns the replica count, on cpu", ManifestChecks::horizontalPodAutoscaler);
        ALL.put("routes reach only the public port", ManifestChecks::routesReachOnlyThePublicPort);
        ALL.put("servicemonitor scrapes the management port", ManifestChecks::serviceMonitor);
        ALL.put("release label set once on the monitoring objects", ManifestChecks::releaseLabel);
        ALL.put("probes on the management port", ManifestChecks::probes);
        ALL.put("grace period covers preStop and drain", ManifestChecks::gracePeriod);
        ALL.put("limits.cpu is the one size, GC explicit", ManifestChecks::cpuSizing);
        ALL.put("memory limits and MaxRAMPercentage", ManifestChecks::memorySizing);
        ALL.put("env vars are ones the service reads", ManifestChecks::envNames);
        ALL.put("config file mounted from config/application.yaml and valid", ManifestChecks::configFile);
        ALL.put("container ports match the configured ports", ManifestChecks::containerPortsMatchConfig);
        ALL.put("pod security", ManifestChecks::security);
        ALL.put("dashboard configmap equals the dashboard file", ManifestChecks::dashboard);
        ALL.put("prometheusrule spec equals the rule file", ManifestChecks::prometheusRule);
        ALL.put("one namespace for every object", ManifestChecks::namespaces);
        ALL.put("namespace enforces pod security restricted", GuardrailChecks::podSecurityAdmission);
        ALL.put("pods spread over nodes and zones", GuardrailChecks::topologySpread);
        ALL.put("network policies keep the management port to a namespace", GuardrailChecks::networkPolicies);
    }

    private ManifestChecks() {}

    // ---------------------------------------------------------------- selectors and references

    static List<String> deploymentSelector(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Deployment deployment = Manifests.one(objects, Deployment.class);
        Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
        if (selector == null || selector.isEmpty()) {
            problems.add("Deployment selector.matchLabels is empty");
        } else if (!isSubset(selector, podLabels(deployment))) {
            problems.add("Deployment selector " + selector + " does not match pod labels " + podLabels(deployment));
        }
        if (deployment.getSpec().getSelector().getMatchExpressions() != null
                && !deployment.getSpec().getSelector().getMatchExpressions().isEmpty()) {
            problems.add("Deployment selector uses matchExpressions, which these checks don't evaluate");
        }
        return problems;
    }

    static List<String> serviceSelector(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Deployment deployment = Manifests.one(objects, Deployment.class);
        Service service = Manifests.one(objects, Service.class);
        Map<String, String> selector = service.getSpec().getSelector();
        if (selector == null || selector.isEmpty()) {
            problems.add("Service has no selector");
        } else if (!isSubset(selector, podLabels(deployment))) {
            problems.add("Service selector " + selector + " does not match pod labels " + podLabels(deployment));
        }
        for (ServicePort port : service.getSpec().getPorts()) {
            if (containerPort(deployment, port.getTargetPort()).isEmpty()) {
                problems.add("Service port " + port.getName() + " targets " + port.getTargetPort()
                        + ", not a container port");
            }
        }
        Set<String> names =
                service.getSpec().getPorts().stream().map(ServicePort::getName).collect(Collectors.toSet());
        if (!names.equals(Set.of(PUBLIC_PORT_NAME, MANAGEMENT_PORT_NAME))) {
            problems.add("Service ports must be named " + PUBLIC_PORT_NAME + " and " + MANAGEMENT_PORT_NAME + ", are "
                    + names);
        }
        return problems;
    }

    static List<String> podDisruptionBudget(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Deployment deployment = Manifests.one(objects, Deployment.class);
        PodDisruptionBudget pdb = Manifests.one(objects, PodDisruptionBudget.class);
        Map<String, String> selector = pdb.getSpec().getSelector() == null
                ? null
                : pdb.getSpec().getSelector().getMatchLabels();
        if (selector == null || selector.isEmpty() || !isSubset(selector, podLabels(deployment))) {
            problems.add(
                    "PodDisruptionBudget selector " + selector + " does not select the pods " + podLabels(deployment));
        }
        if ((pdb.getSpec().getMinAvailable() == null) == (pdb.getSpec().getMaxUnavailable() == null)) {
            problems.add("PodDisruptionBudget needs exactly one of minAvailable / maxUnavailable");
        }
        if (!"AlwaysAllow".equals(pdb.getSpec().getUnhealthyPodEvictionPolicy())) {
            problems.add("PodDisruptionBudget unhealthyPodEvictionPolicy is "
                    + pdb.getSpec().getUnhealthyPodEvictionPolicy()
                    + ", not AlwaysAllow: a pod that never turns ready could block a node drain");
        }
        return problems;
    }

    static List<String> horizontalPodAutoscaler(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Deployment deployment = Manifests.one(objects, Deployment.class);
        HorizontalPodAutoscaler hpa = Manifests.one(objects, HorizontalPodAutoscaler.class);
        var target = hpa.getSpec().getScaleTargetRef();
        if (!"Deployment".equals(target.getKind())
                || !"apps/v1".equals(target.getApiVersion())
                || !deployment.getMetadata().getName().equals(target.getName())) {
            problems.add("HPA scaleTargetRef " + target.getApiVersion() + " " + target.getKind() + "/"
                    + target.getName() + " is not the Deployment "
                    + deployment.getMetadata().getName());
        }
        Integer min = hpa.getSpec().getMinReplicas();
        Integer max = hpa.getSpec().getMaxReplicas();
        if (min == null || max == null || min < 1 || max < min) {
            problems.add("HPA bounds must be 1 <= minReplicas <= maxReplicas, are " + min + ".." + max);
        }
        if (deployment.getSpec().getReplicas() != null) {
            problems.add(
                    "Deployment sets replicas: " + deployment.getSpec().getReplicas() + "; the HPA owns the count, and "
                            + "`kubectl apply` of the field after the HPA or `kubectl scale` changed it would fight them");
        }
        boolean cpu = hpa.getSpec().getMetrics() != null
                && hpa.getSpec().getMetrics().stream()
                        .anyMatch(m -> "Resource".equals(m.getType())
                                && m.getResource() != null
                                && "cpu".equals(m.getResource().getName())
                                && m.getResource().getTarget() != null
                                && m.getResource().getTarget().getAverageUtilization() != null);
        if (!cpu) {
            problems.add("HPA has no Resource cpu averageUtilization metric");
        }
        return problems;
    }

    /** Every Ingress and HTTPRoute backend is the Service port that leads to the container port "http" (8080). */
    static List<String> routesReachOnlyThePublicPort(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Deployment deployment = Manifests.one(objects, Deployment.class);
        Service service = Manifests.one(objects, Service.class);
        for (Ingress ingress : Manifests.all(objects, Ingress.class)) {
            if (ingress.getSpec().getIngressClassName() == null
                    || ingress.getSpec().getIngressClassName().isBlank()) {
                problems.add("Ingress has no ingressClassName");
            }
            List<IngressBackend> backends = new ArrayList<>();
            if (ingress.getSpec().getDefaultBackend() != null) {
                backends.add(ingress.getSpec().getDefaultBackend());
            }
            for (IngressRule rule : ingress.getSpec().getRules()) {
                if (rule.getHttp() != null) {
                    rule.getHttp().getPaths().stream()
                            .map(HTTPIngressPath::getBackend)
                            .forEach(backends::add);
                }
            }
            if (backends.isEmpty()) {
                problems.add("Ingress has no backend");
            }
            for (IngressBackend backend : backends) {
                if (backend.getService() == null
                        || !service.getMetadata()
                                .getName()
                                .equals(backend.getService().getName())) {
                    problems.add("Ingress backend is not the Service "
                            + service.getMetadata().getName() + ": " + backend);
                    continue;
                }
                var port = backend.getService().getPort();
                problems.addAll(publicPort(
                        deployment,
                        service,
                        "Ingress",
                        p -> port.getName() != null
                                ? port.getName().equals(p.getName())
                                : Objects.equals(port.getNumber(), p.getPort()),
                        String.valueOf(port)));
            }
        }
        for (HTTPRoute route : Manifests.all(objects, HTTPRoute.class)) {
            String name = "HTTPRoute " + route.getMetadata().getName();
            List<ParentReference> parents = route.getSpec().getParentRefs();
            if (parents == null || parents.isEmpty()) { // each parentRef's name: the schema requires it
                problems.add(name + " needs a parentRef naming the Gateway");
            }
            List<HTTPBackendRef> backends = route.getSpec().getRules() == null
                    ? List.of()
                    : route.getSpec().getRules().stream()
                            .flatMap(r -> r.getBackendRefs() == null ? Stream.empty() : r.getBackendRefs().stream())
                            .toList();
            if (backends.isEmpty()) {
                problems.add(name + " has no backendRefs");
            }
            for (HTTPBackendRef backend : backends) {
                boolean isService = (backend.getKind() == null || "Service".equals(backend.getKind()))
                        && (backend.getGroup() == null || backend.getGroup().isEmpty());
                if (!isService || !service.getMetadata().getName().equals(backend.getName())) {
                    problems.add(name + " backend is not the Service "
                            + service.getMetadata().getName() + ": " + backend.getKind() + "/" + backend.getName());
                    continue;
                }
                problems.addAll(publicPort(
                        deployment,
                        service,
                        name,
                        p -> Objects.equals(backend.getPort(), p.getPort()),
                        String.valueOf(backend.getPort())));
            }
        }
        return problems;
    }

    private static List<String> publicPort(
            Deployment deployment,
            Service service,
            String what,
            java.util.function.Predicate<ServicePort> backendPort,
            String port) {
        Optional<ServicePort> servicePort =
                service.getSpec().getPorts().stream().filter(backendPort).findFirst();
        if (servicePort.isEmpty()) {
            return List.of(what + " backend port " + port + " is not a port of the Service");
        }
        Optional<ContainerPort> target =
                containerPort(deployment, servicePort.get().getTargetPort());
        if (target.isEmpty()
                || !PUBLIC_PORT_NAME.equals(target.get().getName())
                || target.get().getContainerPort() != 8080) {
            return List.of(what + " routes Service port " + servicePort.get().getName() + " to container port "
                    + target.map(p -> p.getName() + "=" + p.getContainerPort()).orElse("<none>")
                    + "; only the public port " + PUBLIC_PORT_NAME + "=8080 may be routed");
        }
        return List.of();
    }

    static List<String> serviceMonitor(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Deployment deployment = Manifests.one(objects, Deployment.class);
        Service service = Manifests.one(objects, Service.class);
        if (Manifests.all(objects, ServiceMonitor.class).isEmpty()) {
            return problems; // no monitoring component in this overlay
        }
        ServiceMonitor monitor = Manifests.one(objects, ServiceMonitor.class);
        Map<String, String> selector = monitor.getSpec().getSelector() == null
                ? null
                : monitor.getSpec().getSelector().getMatchLabels();
        if (selector == null
                || selector.isEmpty()
                || !isSubset(selector, service.getMetadata().getLabels())) {
            problems.add("ServiceMonitor selector " + selector + " does not select the Service labels "
                    + service.getMetadata().getLabels());
        }
        if (!Objects.equals(
                        monitor.getMetadata().getNamespace(),
                        service.getMetadata().getNamespace())
                && monitor.getSpec().getNamespaceSelector() == null) {
            problems.add("ServiceMonitor is in another namespace than the Service and has no namespaceSelector");
        }
        List<Endpoint> endpoints = monitor.getSpec().getEndpoints();
        if (endpoints == null || endpoints.isEmpty()) {
            problems.add("ServiceMonitor has no endpoints");
            return problems;
        }
        for (Endpoint endpoint : endpoints) {
            Optional<ServicePort> servicePort = service.getSpec().getPorts().stream()
                    .filter(p -> p.getName() != null && p.getName().equals(endpoint.getPort()))
                    .findFirst();
            Optional<ContainerPort> target = servicePort.flatMap(p -> containerPort(deployment, p.getTargetPort()));
            if (target.isEmpty() || !MANAGEMENT_PORT_NAME.equals(target.get().getName())) {
                problems.add("ServiceMonitor endpoint port " + endpoint.getPort()
                        + " does not lead to the container port " + MANAGEMENT_PORT_NAME + " (reaches "
                        + target.map(ContainerPort::getName).orElse("<none>") + ")");
            }
            if (!"/metrics".equals(endpoint.getPath())) {
                problems.add("ServiceMonitor endpoint path is " + endpoint.getPath() + ", not /metrics");
            }
        }
        return problems;
    }

    /**
     * The release label: one value, on both monitoring objects (a team's overlay may set another value than the one
     * MONITORING_KUSTOMIZATION declares; KustomizeRenderTest checks the shipped overlays carry the declared one).
     */
    static List<String> releaseLabel(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Set<String> values = new TreeSet<>();
        for (HasMetadata object : Stream.concat(
                        Manifests.all(objects, ServiceMonitor.class).stream(),
                        Manifests.all(objects, PrometheusRule.class).stream())
                .toList()) {
            String actual = object.getMetadata().getLabels() == null
                    ? null
                    : object.getMetadata().getLabels().get("release");
            if (actual == null || actual.isBlank()) {
                problems.add(object.getKind() + " has no release label: kube-prometheus-stack's Prometheus ignores it");
            } else {
                values.add(actual);
            }
        }
        if (values.size() > 1) {
            problems.add("the monitoring objects carry different release labels " + values);
        }
        if (Manifests.all(objects, ServiceMonitor.class).size()
                != Manifests.all(objects, PrometheusRule.class).size()) {
            problems.add("the monitoring component brings a ServiceMonitor and a PrometheusRule together");
        }
        return problems;
    }

    /** The value under labels[].pairs.release in MONITORING_KUSTOMIZATION, required to be unique. */
    static String declaredReleaseLabel() {
        JsonNode kustomization =
                Manifests.documents(Manifests.read(MONITORING_KUSTOMIZATION)).get(0);
        List<String> values = new ArrayList<>();
        for (JsonNode label : kustomization.path("labels")) {
            if (label.path("pairs").has("release")) {
                values.add(label.path("pairs").path("release").asText());
            }
        }
        if (values.size() != 1) {
            throw new AssertionError(
                    MONITORING_KUSTOMIZATION + " must declare the release label exactly once, found " + values);
        }
        return values.get(0);
    }

    // ---------------------------------------------------------------- probes, shutdown, sizing

    static List<String> probes(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Deployment deployment = Manifests.one(objects, Deployment.class);
        Container container = container(deployment);
        problems.addAll(probe(deployment, "livenessProbe", container.getLivenessProbe(), "/health/live"));
        problems.addAll(probe(deployment, "readinessProbe", container.getReadinessProbe(), "/health/ready"));
        return problems;
    }

    private static List<String> probe(Deployment deployment, String name, Probe probe, String path) {
        if (probe == null || probe.getHttpGet() == null) {
            return List.of(name + " is missing or not an httpGet probe");
        }
        HTTPGetAction get = probe.getHttpGet();
        List<String> problems = new ArrayList<>();
        if (!path.equals(get.getPath())) {
            problems.add(name + " path is " + get.getPath() + ", expected " + path);
        }
        Optional<ContainerPort> port = containerPort(deployment, get.getPort());
        if (port.isEmpty() || !MANAGEMENT_PORT_NAME.equals(port.get().getName())) {
            problems.add(name + " port " + get.getPort() + " is not the " + MANAGEMENT_PORT_NAME + " port");
        }
        return problems;
    }

    static List<String> gracePeriod(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Deployment deployment = Manifests.one(objects, Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container container = container(deployment);
        long preStop = preStopSleepSeconds(container);
        if (preStop <= 0) {
            problems.add("no preStop sleep (needed so endpoints are removed before SIGTERM)");
        }
        long drain = Long.parseLong(
                String.valueOf(effectiveConfig(objects).getValue(ServiceConfig.SHUTDOWN_DRAIN_SECONDS, 5)));
        Long grace = pod.getTerminationGracePeriodSeconds();
        long effectiveGrace = grace == null ? 30 : grace;
        if (effectiveGrace <= preStop + drain) {
            problems.add("terminationGracePeriodSeconds " + effectiveGrace + " must exceed preStop " + preStop
                    + "s + SHUTDOWN_DRAIN_SECONDS " + drain + "s");
        }
        return problems;
    }

    /** Seconds of the preStop sleep: exec ["sleep", "N"] (or sh -c "sleep N") or the lifecycle sleep action. */
    static long preStopSleepSeconds(Container container) {
        if (container.getLifecycle() == null || container.getLifecycle().getPreStop() == null) {
            return 0;
        }
        var preStop = container.getLifecycle().getPreStop();
        if (preStop.getSleep() != null && preStop.getSleep().getSeconds() != null) {
            return preStop.getSleep().getSeconds();
        }
        if (preStop.getExec() != null && preStop.getExec().getCommand() != null) {
            Matcher m = Pattern.compile("(?:^|\\s)sleep\\s+(\\d+)(?:\\s|$)")
                    .matcher(String.join(" ", preStop.getExec().getCommand()));
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
        }
        return 0;
    }

    /**
     * One number per size: limits.cpu, a whole number of cores. The JVM derives its processor count from the CFS
     * quota the limit becomes, and INSTANCES=auto one event loop per processor; nothing may pin a second number.
     * The GC is named explicitly: Serial on one core, a parallel collector on more.
     */
    static List<String> cpuSizing(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Container container = container(Manifests.one(objects, Deployment.class));
        Quantity limit = container.getResources().getLimits() == null
                ? null
                : container.getResources().getLimits().get("cpu");
        Quantity request = container.getResources().getRequests() == null
                ? null
                : container.getResources().getRequests().get("cpu");
        if (limit == null) {
            return List.of("resources.limits.cpu is not set: it is the pod's size (event loops, JVM processors)");
        }
        BigDecimal cores = Quantity.getAmountInBytes(limit);
        if (request == null || Quantity.getAmountInBytes(request).compareTo(cores) != 0) {
            problems.add("cpu requests " + request + " != limits " + limit + ": state requests equal to the limits "
                    + "(Guaranteed QoS; policy engines reject pods without requests)");
        }
        if (cores.signum() <= 0 || cores.stripTrailingZeros().scale() > 0) {
            problems.add("cpu limit " + limit + " is not a whole number of cores: the JVM would round it up to "
                    + cores.setScale(0, java.math.RoundingMode.CEILING)
                    + " processors and run that many event loops on "
                    + cores.stripTrailingZeros().toPlainString() + " cores of CFS quota (throttled mid-request)");
            return problems;
        }
        int n = cores.intValueExact();
        jvmOption(container, ACTIVE_PROCESSORS)
                .filter(v -> !v.equals("$(" + ServiceConfig.INSTANCES + ")"))
                .ifPresent(v -> problems.add(
                        "-XX:ActiveProcessorCount=" + v + " pins a second number; the JVM reads the cpu " + "limit " + n
                                + " itself (or -XX:ActiveProcessorCount=$(INSTANCES) where the kubelet expands it)"));
        problems.addAll(instancesFollowTheLimit(container));
        List<String> gcs = new ArrayList<>();
        for (EnvVar env : env(container)) {
            if (JVM_VARIABLES.contains(env.getName()) && env.getValue() != null) {
                Matcher m = GC.matcher(env.getValue());
                while (m.find()) {
                    gcs.add(m.group(1));
                }
            }
        }
        if (gcs.size() != 1) {
            problems.add("name exactly one GC (-XX:+UseSerialGC at 1 core, -XX:+UseParallelGC above), found " + gcs
                    + ": JVM ergonomics would pick by memory size");
        } else if (n == 1 && !gcs.get(0).equals("Serial")) {
            problems.add(
                    "1 core: use -XX:+UseSerialGC, not " + gcs.get(0) + "GC (its extra threads compete with the loop)");
        } else if (n > 1 && gcs.get(0).equals("Serial")) {
            problems.add(n + " cores: SerialGC pauses every loop while using one core; use -XX:+UseParallelGC");
        }
        return problems;
    }

    /** INSTANCES from the downward API: limits.cpu in whole cores, so the loops follow the limit without CFS quota. */
    static List<String> instancesFollowTheLimit(Container container) {
        Optional<EnvVar> instances = env(container).stream()
                .filter(e -> ServiceConfig.INSTANCES.equals(e.getName()))
                .findFirst();
        var field = instances
                .map(EnvVar::getValueFrom)
                .map(v -> v.getResourceFieldRef())
                .orElse(null);
        if (field == null
                || !"limits.cpu".equals(field.getResource())
                || (field.getDivisor() != null
                        && Quantity.getAmountInBytes(field.getDivisor()).compareTo(BigDecimal.ONE) != 0)
                || (field.getContainerName() != null
                        && !field.getContainerName().equals(container.getName()))) {
            return List.of("INSTANCES is "
                    + instances
                            .map(e ->
                                    e.getValue() != null ? "'" + e.getValue() + "'" : String.valueOf(e.getValueFrom()))
                            .orElse("not set")
                    + ": take it from this container's limits.cpu "
                    + "(downward API resourceFieldRef, divisor 1), so the event loops follow the limit also where the kubelet "
                    + "sets no CFS quota (cpuCFSQuota: false) and the JVM sees every core of the node");
        }
        return List.of();
    }

    static List<String> memorySizing(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Container container = container(Manifests.one(objects, Deployment.class));
        Quantity request = container.getResources().getRequests() == null
                ? null
                : container.getResources().getRequests().get("memory");
        Quantity limit = container.getResources().getLimits() == null
                ? null
                : container.getResources().getLimits().get("memory");
        if (limit == null) {
            return List.of("resources.limits.memory must be set");
        }
        if (request == null || Quantity.getAmountInBytes(request).compareTo(Quantity.getAmountInBytes(limit)) != 0) {
            problems.add("memory requests " + request + " != limits " + limit + ": state requests equal to the limits "
                    + "(Guaranteed QoS)");
        }
        Optional<Double> percentage = jvmOption(container, MAX_RAM_PERCENTAGE).map(Double::parseDouble);
        if (percentage.isEmpty()) {
            problems.add("-XX:MaxRAMPercentage is not set in JAVA_TOOL_OPTIONS / JDK_JAVA_OPTIONS");
        } else if (percentage.get() <= 0 || percentage.get() > 85) {
            problems.add("-XX:MaxRAMPercentage=" + percentage.get() + " leaves no room for off-heap memory (max 85)");
        }
        problems.addAll(MemoryBudget.of(container)
                .problems(Quantity.getAmountInBytes(limit).longValue()));
        return problems;
    }

    // ---------------------------------------------------------------- configuration

    static List<String> envNames(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Container container = container(Manifests.one(objects, Deployment.class));
        Set<String> known = new TreeSet<>(ServiceConfig.KEYS);
        known.add(ConfigLoader.CONFIG_FILE);
        known.addAll(JVM_VARIABLES);
        for (EnvVar env : env(container)) {
            if (!known.contains(env.getName())) {
                problems.add("env " + env.getName() + " is not read by the service (known: " + known + ")");
            }
        }
        if (container.getEnvFrom() != null && !container.getEnvFrom().isEmpty()) {
            problems.add("envFrom hides variable names from this check; list env entries instead");
        }
        return problems;
    }

    static List<String> configFile(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Deployment deployment = Manifests.one(objects, Deployment.class);
        Optional<String> mounted = mountedConfigFile(objects, problems);
        if (mounted.isPresent() && !mounted.get().equals(Manifests.read(CONFIG_DEFAULTS))) {
            problems.add("the mounted configuration file differs from " + CONFIG_DEFAULTS);
        }
        try {
            int cores = Quantity.getAmountInBytes(
                            container(deployment).getResources().getLimits().get("cpu"))
                    .intValue();
            ServiceConfig.from(effectiveConfig(objects), Math.max(1, cores));
        } catch (RuntimeException e) {
            problems.add("the service would reject its configuration: " + e.getMessage());
        }
        return problems;
    }

    static List<String> containerPortsMatchConfig(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Deployment deployment = Manifests.one(objects, Deployment.class);
        JsonObject config = effectiveConfig(objects);
        Map<String, Integer> expected = Map.of(
                PUBLIC_PORT_NAME, Integer.parseInt(String.valueOf(config.getValue(ServiceConfig.HTTP_PORT, 8080))),
                MANAGEMENT_PORT_NAME,
                        Integer.parseInt(String.valueOf(config.getValue(ServiceConfig.MANAGEMENT_PORT, 9090))));
        expected.forEach((name, port) -> {
            Optional<ContainerPort> actual = containerPort(deployment, new IntOrString(name));
            if (actual.isEmpty() || actual.get().getContainerPort() != port.intValue()) {
                problems.add("container port " + name + " is "
                        + actual.map(ContainerPort::getContainerPort).orElse(null) + " but the service listens on "
                        + port);
            }
        });
        return problems;
    }

    /**
     * The configuration the pod would run with: the file CONFIG_FILE names (from its ConfigMap), else the
     * defaults file, then the container's env entries for service keys on top (the environment wins).
     */
    static JsonObject effectiveConfig(List<HasMetadata> objects) {
        String file = mountedConfigFile(objects, new ArrayList<>()).orElseGet(() -> Manifests.read(CONFIG_DEFAULTS));
        JsonObject config;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = Manifests.YAML.readValue(file, Map.class);
            config = new JsonObject(map == null ? new LinkedHashMap<>() : new LinkedHashMap<>(map));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (EnvVar env : env(container(Manifests.one(objects, Deployment.class)))) {
            if (ServiceConfig.KEYS.contains(env.getName()) && env.getValue() != null) {
                config.put(env.getName(), env.getValue());
            }
        }
        return config;
    }

    /** The text of the file CONFIG_FILE names, resolved through the volume mounts to a ConfigMap key. */
    private static Optional<String> mountedConfigFile(List<HasMetadata> objects, List<String> problems) {
        Deployment deployment = Manifests.one(objects, Deployment.class);
        Container container = container(deployment);
        Optional<String> path = env(container).stream()
                .filter(e -> ConfigLoader.CONFIG_FILE.equals(e.getName()))
                .map(EnvVar::getValue)
                .findFirst();
        if (path.isEmpty()) {
            problems.add(ConfigLoader.CONFIG_FILE + " is not set: the pod would run the defaults baked into the image");
            return Optional.empty();
        }
        for (VolumeMount mount : mounts(container)) {
            String prefix = mount.getMountPath().endsWith("/") ? mount.getMountPath() : mount.getMountPath() + "/";
            if (!path.get().startsWith(prefix)) {
                continue;
            }
            String key = path.get().substring(prefix.length());
            Optional<Volume> volume = volumes(deployment).stream()
                    .filter(v -> v.getName().equals(mount.getName()))
                    .findFirst();
            if (volume.isEmpty() || volume.get().getConfigMap() == null) {
                problems.add(ConfigLoader.CONFIG_FILE + "=" + path.get() + " is not on a ConfigMap volume");
                return Optional.empty();
            }
            String configMapName = volume.get().getConfigMap().getName();
            Optional<ConfigMap> configMap = Manifests.all(objects, ConfigMap.class).stream()
                    .filter(c -> c.getMetadata().getName().equals(configMapName))
                    .findFirst();
            if (configMap.isEmpty()
                    || configMap.get().getData() == null
                    || !configMap.get().getData().containsKey(key)) {
                problems.add(ConfigLoader.CONFIG_FILE + "=" + path.get() + ": ConfigMap " + configMapName
                        + " has no key " + key);
                return Optional.empty();
            }
            return Optional.of(configMap.get().getData().get(key));
        }
        problems.add(ConfigLoader.CONFIG_FILE + "=" + path.get() + " is under no volume mount");
        return Optional.empty();
    }

    // ---------------------------------------------------------------- security, generated content, namespaces

    static List<String> security(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Deployment deployment = Manifests.one(objects, Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        PodSecurityContext podContext = pod.getSecurityContext();
        for (Container container : pod.getContainers()) {
            SecurityContext c = container.getSecurityContext();
            String name = "container " + container.getName();
            boolean nonRoot = (c != null && Boolean.TRUE.equals(c.getRunAsNonRoot()))
                    || (podContext != null
                            && Boolean.TRUE.equals(podContext.getRunAsNonRoot())
                            && (c == null || c.getRunAsNonRoot() == null));
            if (!nonRoot) {
                problems.add(name + ": runAsNonRoot is not true");
            }
            if (c == null || !Boolean.TRUE.equals(c.getReadOnlyRootFilesystem())) {
                problems.add(name + ": readOnlyRootFilesystem is not true");
            }
            if (c == null || !Boolean.FALSE.equals(c.getAllowPrivilegeEscalation())) {
                problems.add(name + ": allowPrivilegeEscalation is not false");
            }
            if (c == null
                    || c.getCapabilities() == null
                    || c.getCapabilities().getDrop() == null
                    || !c.getCapabilities().getDrop().contains("ALL")
                    || (c.getCapabilities().getAdd() != null
                            && !c.getCapabilities().getAdd().isEmpty())) {
                problems.add(name + ": capabilities must drop ALL and add none");
            }
            String seccomp = c != null && c.getSeccompProfile() != null
                    ? c.getSeccompProfile().getType()
                    : podContext != null && podContext.getSeccompProfile() != null
                            ? podContext.getSeccompProfile().getType()
                            : null;
            if (!"RuntimeDefault".equals(seccomp)) {
                problems.add(name + ": seccompProfile is " + seccomp + ", not RuntimeDefault");
            }
            Optional<VolumeMount> tmp = mounts(container).stream()
                    .filter(m -> "/tmp".equals(m.getMountPath()))
                    .findFirst();
            boolean tmpIsEmptyDir = tmp.isPresent()
                    && volumes(deployment).stream()
                            .anyMatch(v -> v.getName().equals(tmp.get().getName()) && v.getEmptyDir() != null);
            if (!tmpIsEmptyDir || Boolean.TRUE.equals(tmp.get().getReadOnly())) {
                problems.add(name + ": /tmp must be a writable emptyDir");
            }
        }
        return problems;
    }

    static List<String> dashboard(List<HasMetadata> objects) {
        List<ConfigMap> dashboards = Manifests.all(objects, ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getLabels() != null
                        && "1".equals(c.getMetadata().getLabels().get("grafana_dashboard")))
                .toList();
        if (dashboards.isEmpty() && Manifests.all(objects, ServiceMonitor.class).isEmpty()) {
            return List.of(); // no monitoring component in this overlay
        }
        if (dashboards.size() != 1) {
            return List.of("expected one ConfigMap labelled grafana_dashboard: \"1\", found " + dashboards.size());
        }
        ConfigMap dashboard = dashboards.get(0);
        byte[] file;
        try {
            file = Files.readAllBytes(Manifests.file(DASHBOARD_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String key = Manifests.file(DASHBOARD_FILE).getFileName().toString();
        Map<String, String> data = dashboard.getData() == null ? Map.of() : dashboard.getData();
        List<String> problems = new ArrayList<>();
        if (!data.keySet().equals(Set.of(key))) {
            problems.add("dashboard ConfigMap keys are " + data.keySet() + ", expected [" + key + "]");
        }
        String value = data.get(key);
        if (value == null || !Arrays.equals(value.getBytes(StandardCharsets.UTF_8), file)) {
            problems.add("dashboard ConfigMap data differs from " + DASHBOARD_FILE + " (it must be generated from it)");
        }
        return problems;
    }

    static List<String> prometheusRule(List<HasMetadata> objects) {
        if (Manifests.all(objects, PrometheusRule.class).isEmpty()) {
            return List.of(); // no monitoring component in this overlay
        }
        PrometheusRule rule = Manifests.one(objects, PrometheusRule.class);
        return compareRuleSpec(
                Manifests.SERIALIZATION.convertValue(rule.getSpec(), JsonNode.class),
                Manifests.documents(Manifests.read(RULE_FILE)).get(0),
                "PrometheusRule " + rule.getMetadata().getName());
    }

    /** Structural comparison of a PrometheusRule spec with the rule file (scalars compared as text). */
    static List<String> compareRuleSpec(JsonNode spec, JsonNode ruleFile, String what) {
        if (normalize(spec).equals(normalize(ruleFile))) {
            return List.of();
        }
        return List.of(what + " spec differs from " + RULE_FILE + ": run k8s/generate-prometheusrule.sh and commit "
                + PrometheusRuleSyncTest.COMMITTED);
    }

    /** Objects without null members, scalars as text: YAML `for: 5m` and fabric8's String compare equal. */
    static JsonNode normalize(JsonNode node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (node == null || node.isNull() || node.isMissingNode()) {
            return f.nullNode();
        }
        if (node.isObject()) {
            ObjectNode out = f.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNull()) {
                    out.set(e.getKey(), normalize(e.getValue()));
                }
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = f.arrayNode();
            node.forEach(n -> out.add(normalize(n)));
            return out;
        }
        return f.textNode(node.asText());
    }

    static List<String> namespaces(List<HasMetadata> objects) {
        Set<String> namespaced = objects.stream()
                .filter(o -> !(o instanceof Namespace))
                .map(o -> String.valueOf(o.getMetadata().getNamespace()))
                .collect(Collectors.toCollection(TreeSet::new));
        List<String> problems = new ArrayList<>();
        if (namespaced.size() != 1 || namespaced.contains("null")) {
            problems.add("objects must share one explicit namespace, found " + namespaced);
        }
        for (Namespace ns : Manifests.all(objects, Namespace.class)) {
            if (!namespaced.contains(ns.getMetadata().getName())) {
                problems.add(
                        "Namespace " + ns.getMetadata().getName() + " is not the objects' namespace " + namespaced);
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------- helpers

    static Container container(Deployment deployment) {
        List<Container> containers =
                deployment.getSpec().getTemplate().getSpec().getContainers();
        if (containers.size() != 1) {
            throw new AssertionError("expected one container in the Deployment, found " + containers.size());
        }
        return containers.get(0);
    }

    static Map<String, String> podLabels(Deployment deployment) {
        Map<String, String> labels =
                deployment.getSpec().getTemplate().getMetadata().getLabels();
        return labels == null ? Map.of() : labels;
    }

    static boolean isSubset(Map<String, String> selector, Map<String, String> labels) {
        return labels != null
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** The container port a Service targetPort / probe port refers to, by name or by number. */
    static Optional<ContainerPort> containerPort(Deployment deployment, IntOrString port) {
        if (port == null) {
            return Optional.empty();
        }
        return container(deployment).getPorts().stream()
                .filter(p -> port.getStrVal() != null
                        ? port.getStrVal().equals(p.getName())
                        : Objects.equals(port.getIntVal(), p.getContainerPort()))
                .findFirst();
    }

    static List<EnvVar> env(Container container) {
        return container.getEnv() == null ? List.of() : container.getEnv();
    }

    static List<VolumeMount> mounts(Container container) {
        return container.getVolumeMounts() == null ? List.of() : container.getVolumeMounts();
    }

    static List<Volume> volumes(Deployment deployment) {
        List<Volume> volumes = deployment.getSpec().getTemplate().getSpec().getVolumes();
        return volumes == null ? List.of() : volumes;
    }

    /** A JVM option from JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS (the last occurrence wins, as in the JVM). */
    static Optional<String> jvmOption(Container container, Pattern option) {
        String last = null;
        for (EnvVar env : env(container)) {
            if (("JAVA_TOOL_OPTIONS".equals(env.getName()) || "JDK_JAVA_OPTIONS".equals(env.getName()))
                    && env.getValue() != null) {
                Matcher m = option.matcher(env.getValue());
                while (m.find()) {
                    last = m.group(1);
                }
            }
        }
        return Optional.ofNullable(last);
    }
}
