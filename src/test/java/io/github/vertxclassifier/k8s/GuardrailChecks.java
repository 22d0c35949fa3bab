package io.github.vertxclassifier.k8s;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The platform guardrails over one rendered overlay: the Namespace enforces Pod Security "restricted", the pods
 * spread over nodes and zones, and where NetworkPolicies exist the management port is reachable only from a
 * named namespace. Like {@link ManifestChecks}, each check returns its problems (empty = pass).
 */
final class GuardrailChecks {

    static final String NODE_KEY = "kubernetes.io/hostname";
    static final String ZONE_KEY = "topology.kubernetes.io/zone";
    static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private GuardrailChecks() {}

    /** Every Namespace object enforces "restricted" at a pinned version, and audits and warns with it too. */
    static List<String> podSecurityAdmission(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        for (Namespace namespace : Manifests.all(objects, Namespace.class)) {
            Map<String, String> labels = namespace.getMetadata().getLabels() == null
                    ? Map.of()
                    : namespace.getMetadata().getLabels();
            for (String mode : List.of("enforce", "audit", "warn")) {
                String key = "pod-security.kubernetes.io/" + mode;
                if (!"restricted".equals(labels.get(key))) {
                    problems.add("Namespace " + namespace.getMetadata().getName() + ": " + key + " is "
                            + labels.get(key) + ", not restricted");
                }
            }
            String version = labels.get("pod-security.kubernetes.io/enforce-version");
            if (version == null || !version.matches("v1\\.\\d+")) {
                problems.add("Namespace " + namespace.getMetadata().getName()
                        + ": pod-security.kubernetes.io/enforce-version " + "is " + version
                        + ", not a pinned v1.N (an upgrade would change what is refused)");
            }
        }
        return problems;
    }

    /** One constraint per topology key (node, zone), each selecting the pods per ReplicaSet (pod-template-hash). */
    static List<String> topologySpread(List<HasMetadata> objects) {
        Deployment deployment = Manifests.one(objects, Deployment.class);
        List<TopologySpreadConstraint> constraints =
                deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints() == null
                        ? List.of()
                        : deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
        List<String> problems = new ArrayList<>();
        for (String key : List.of(NODE_KEY, ZONE_KEY)) {
            Optional<TopologySpreadConstraint> found = constraints.stream()
                    .filter(c -> key.equals(c.getTopologyKey()))
                    .findFirst();
            if (found.isEmpty()) {
                problems.add("no topologySpreadConstraint over " + key);
                continue;
            }
            TopologySpreadConstraint c = found.get();
            LabelSelector selector = c.getLabelSelector();
            if (selector == null
                    || selector.getMatchLabels() == null
                    || selector.getMatchLabels().isEmpty()
                    || !ManifestChecks.isSubset(selector.getMatchLabels(), ManifestChecks.podLabels(deployment))) {
                problems.add("topologySpreadConstraint over " + key + " does not select the pods: " + selector);
            }
            if (c.getMatchLabelKeys() == null || !c.getMatchLabelKeys().contains("pod-template-hash")) {
                problems.add(
                        "topologySpreadConstraint over " + key + " lacks matchLabelKeys [pod-template-hash] (a rollout"
                                + " would count the old ReplicaSet's pods)");
            }
            if (key.equals(ZONE_KEY) && !"ScheduleAnyway".equals(c.getWhenUnsatisfiable())) {
                problems.add("topologySpreadConstraint over zones is " + c.getWhenUnsatisfiable()
                        + ": ScheduleAnyway, or a cluster in one zone leaves pods Pending");
            }
        }
        return problems;
    }

    /**
     * Where NetworkPolicies select the pods: the public port is allowed, and the management port only from
     * namespaces named by kubernetes.io/metadata.name (no rule without `from`, no rule for every port).
     */
    static List<String> networkPolicies(List<HasMetadata> objects) {
        List<NetworkPolicy> policies = Manifests.all(objects, NetworkPolicy.class);
        if (policies.isEmpty()) {
            return List.of(); // no network-policy component in this overlay
        }
        Deployment deployment = Manifests.one(objects, Deployment.class);
        List<String> problems = new ArrayList<>();
        boolean publicAllowed = false;
        boolean managementAllowed = false;
        for (NetworkPolicy policy : policies) {
            String name = "NetworkPolicy " + policy.getMetadata().getName();
            Map<String, String> selector = policy.getSpec().getPodSelector() == null
                    ? null
                    : policy.getSpec().getPodSelector().getMatchLabels();
            if (selector == null
                    || selector.isEmpty()
                    || !ManifestChecks.isSubset(selector, ManifestChecks.podLabels(deployment))) {
                problems.add(name + " does not select the pods (podSelector " + selector + ")");
                continue;
            }
            if (policy.getSpec().getPolicyTypes() == null
                    || !policy.getSpec().getPolicyTypes().contains("Ingress")) {
                problems.add(name + " has no policyTypes [Ingress]");
            }
            List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress() == null
                    ? List.of()
                    : policy.getSpec().getIngress();
            for (NetworkPolicyIngressRule rule : rules) {
                List<NetworkPolicyPort> ports = rule.getPorts() == null ? List.of() : rule.getPorts();
                if (ports.isEmpty()) {
                    problems.add(name + " has a rule for every port: it opens the management port too");
                    continue;
                }
                for (NetworkPolicyPort port : ports) {
                    String target = containerPort(deployment, port.getPort())
                            .map(ContainerPort::getName)
                            .orElse(null);
                    if (ManifestChecks.PUBLIC_PORT_NAME.equals(target)) {
                        publicAllowed = true;
                    } else if (ManifestChecks.MANAGEMENT_PORT_NAME.equals(target)) {
                        managementAllowed = true;
                        problems.addAll(onlyNamedNamespaces(name, rule.getFrom()));
                    } else {
                        problems.add(name + " allows port " + port.getPort() + ", not a port of the container");
                    }
                }
            }
        }
        if (!publicAllowed) {
            problems.add("no NetworkPolicy allows the public port " + ManifestChecks.PUBLIC_PORT_NAME
                    + ": nothing reaches it");
        }
        if (!managementAllowed) {
            problems.add("no NetworkPolicy allows the management port: Prometheus cannot scrape");
        }
        return problems;
    }

    private static List<String> onlyNamedNamespaces(String name, List<NetworkPolicyPeer> from) {
        if (from == null || from.isEmpty()) {
            return List.of(name + " allows the management port from everywhere");
        }
        List<String> problems = new ArrayList<>();
        for (NetworkPolicyPeer peer : from) {
            String namespace = peer.getNamespaceSelector() == null
                            || peer.getNamespaceSelector().getMatchLabels() == null
                    ? null
                    : peer.getNamespaceSelector().getMatchLabels().get(NAMESPACE_NAME_LABEL);
            if (peer.getIpBlock() != null || namespace == null || namespace.isBlank()) {
                problems.add(name + " allows the management port from " + peer + ", not a namespace named by "
                        + NAMESPACE_NAME_LABEL);
            }
        }
        return problems;
    }

    private static Optional<ContainerPort> containerPort(Deployment deployment, IntOrString port) {
        return port == null ? Optional.empty() : ManifestChecks.containerPort(deployment, port);
    }
}
