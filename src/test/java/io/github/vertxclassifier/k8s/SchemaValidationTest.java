package io.github.vertxclassifier.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The strict fabric8 reading itself, and every manifest file under k8s/ read strictly (no kubectl needed). */
class StrictModelTest {

  @Test
  void everyManifestFileUnderK8sParsesStrictly() throws Exception {
    int objects = 0;
    for (Path file : Manifests.yamlFilesUnderK8s()) {
      for (JsonNode doc : Manifests.documents(Files.readString(file))) {
        // kustomization.yaml files (Kustomization, Component) and JSON 6902 patches (lists of operations) are
        // not Kubernetes objects.
        if (!doc.isObject() || doc.path("apiVersion").asText().startsWith("kustomize.config.k8s.io/")) {
          continue;
        }
        HasMetadata object = Manifests.toModel(doc);
        assertThat(StrictModel.problems(object)).as(file.toString()).isEmpty();
        objects++;
      }
    }
    assertThat(objects).as("objects found under k8s/").isGreaterThanOrEqualTo(10);
  }

  @Test
  void customResourcesAreTypedNotGeneric() {
    var monitor = Manifests.toModel(doc(Manifests.read("k8s/components/monitoring/prometheus-operator/servicemonitor.yaml")));
    var rule = Manifests.toModel(doc(Manifests.read(PrometheusRuleSyncTest.COMMITTED)));
    var route = Manifests.toModel(doc(Manifests.read("k8s/components/gateway-api/httproute.yaml")));

    assertThat(monitor).isInstanceOf(ServiceMonitor.class);
    assertThat(rule).isInstanceOf(PrometheusRule.class);
    assertThat(route).isInstanceOf(HTTPRoute.class);
  }

  @Test
  void unknownFieldIsReportedWithItsPath() {
    HasMetadata object = Manifests.toModel(doc("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: d}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers:
                - name: c
                  image: i
                  readinessProbe:
                    httpGet: {path: /health/ready, port: management}
                    periodSecond: 2
        """));

    assertThat(object).isInstanceOf(Deployment.class);
    assertThat(StrictModel.problems(object)).singleElement().asString()
        .contains("periodSecond").contains("readinessProbe");
  }

  @Test
  void unknownTopLevelFieldIsReported() {
    HasMetadata object = Manifests.toModel(doc("""
        apiVersion: v1
        kind: Service
        metadata: {name: s}
        sepc: {}
        """));

    assertThat(StrictModel.problems(object)).singleElement().asString().contains("sepc");
  }

  @Test
  void unknownKindOrApiVersionIsReported() {
    HasMetadata unknownKind = Manifests.toModel(doc("""
        apiVersion: monitoring.coreos.com/v1
        kind: ServiceMonitorr
        metadata: {name: m}
        spec: {}
        """));
    HasMetadata unknownVersion = Manifests.toModel(doc("""
        apiVersion: autoscaling/v3
        kind: HorizontalPodAutoscaler
        metadata: {name: h}
        spec: {}
        """));

    assertThat(StrictModel.problems(unknownKind)).singleElement().asString().contains("unknown kind");
    assertThat(StrictModel.problems(unknownVersion)).singleElement().asString().contains("unknown kind");
  }

  @Test
  void cleanObjectHasNoProblems() {
    HasMetadata object = Manifests.toModel(doc("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c, labels: {a: b}}
        data: {k: v}
        """));

    assertThat(StrictModel.problems(object)).isEmpty();
  }

  private static JsonNode doc(String yaml) {
    List<JsonNode> docs = Manifests.documents(yaml);
    assertThat(docs).hasSize(1);
    return docs.get(0);
  }
}
