package io.github.vertxclassifier.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Every kustomization renders with `kubectl kustomize` and every rendered object is a strict fabric8 object. */
class KustomizeRenderTest {

  static final List<String> OVERLAYS = Manifests.OVERLAYS;

  static Path kubectl() {
    var kubectl = Manifests.kubectl();
    assumeTrue(kubectl.isPresent(), "kubectl not found on PATH or at /usr/bin/kubectl: skipping the "
        + "`kubectl kustomize` render checks (install kubectl to run them)");
    return kubectl.get();
  }

  @ParameterizedTest
  @FieldSource("OVERLAYS")
  void overlayRendersTheFullApplicationWithKnownKindsAndFields(String overlay) {
    List<HasMetadata> objects = Manifests.render(kubectl(), overlay);

    assertThat(objects).allSatisfy(o -> assertThat(StrictModel.problems(o)).as(o.getKind()).isEmpty());
    assertThat(objects.stream().map(o -> o.getApiVersion() + " " + o.getKind()).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("v1 Namespace", "v1 ConfigMap", "v1 Service", "apps/v1 Deployment",
            "networking.k8s.io/v1 Ingress", "autoscaling/v2 HorizontalPodAutoscaler", "policy/v1 PodDisruptionBudget",
            "monitoring.coreos.com/v1 ServiceMonitor", "monitoring.coreos.com/v1 PrometheusRule");
    // `kubectl apply -k <overlay>` must never start a load test.
    assertThat(Manifests.all(objects, Job.class)).isEmpty();
  }

  @Test
  void overlaysDifferInSizeImageAndIngress() {
    List<HasMetadata> local = Manifests.render(kubectl(), "k8s/overlays/local");
    List<HasMetadata> production = Manifests.render(kubectl(), "k8s/overlays/production");
    Deployment l = Manifests.one(local, Deployment.class);
    Deployment p = Manifests.one(production, Deployment.class);

    assertThat(l.getSpec().getReplicas()).isEqualTo(1);
    assertThat(p.getSpec().getReplicas()).isGreaterThan(1);
    assertThat(ManifestChecks.container(l).getResources().getLimits().get("cpu").toString()).isEqualTo("1");
    assertThat(ManifestChecks.container(p).getResources().getLimits().get("cpu").toString()).isIn("2", "3", "4");
    assertThat(ManifestChecks.container(l).getImage()).isNotEqualTo(ManifestChecks.container(p).getImage());
    assertThat(Manifests.one(local, Ingress.class).getSpec().getRules().get(0).getHost())
        .isNotEqualTo(Manifests.one(production, Ingress.class).getSpec().getRules().get(0).getHost());
  }

  @Test
  void configMapNameHashIsRewrittenInTheDeployment() {
    List<HasMetadata> objects = Manifests.render(kubectl(), "k8s/overlays/local");
    Set<String> configMaps = Manifests.all(objects, ConfigMap.class).stream().map(c -> c.getMetadata().getName())
        .collect(Collectors.toSet());
    Deployment deployment = Manifests.one(objects, Deployment.class);

    assertThat(ManifestChecks.volumes(deployment)).filteredOn(v -> v.getConfigMap() != null).isNotEmpty()
        .allSatisfy(v -> assertThat(configMaps).contains(v.getConfigMap().getName()));
    assertThat(configMaps).anyMatch(n -> n.startsWith("vertx-classifier-config-")); // content hash suffix
  }

  @Test
  void loadTestKustomizationRendersOnlyTheJobAndItsConfigMaps() {
    List<HasMetadata> objects = Manifests.render(kubectl(), "k8s/loadtest");

    assertThat(objects).allSatisfy(o -> assertThat(StrictModel.problems(o)).as(o.getKind()).isEmpty());
    assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrder("ConfigMap", "ConfigMap", "Job");
    Job job = Manifests.one(objects, Job.class);
    assertThat(job.getSpec().getBackoffLimit()).isNotNull();
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isNotNull();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers())
        .allSatisfy(c -> {
          assertThat(c.getResources().getLimits()).containsKeys("cpu", "memory");
          assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
        });
    // The envFrom / volume references point at the generated (hashed) ConfigMaps.
    Set<String> configMaps = Manifests.all(objects, ConfigMap.class).stream().map(c -> c.getMetadata().getName())
        .collect(Collectors.toSet());
    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getEnvFrom()).allSatisfy(e -> assertThat(configMaps).contains(e.getConfigMapRef().getName()));
    ConfigMap parameters = Manifests.all(objects, ConfigMap.class).stream()
        .filter(c -> c.getData().containsKey("TARGET_URL")).findFirst().orElseThrow();
    assertThat(parameters.getData()).containsKeys("TARGET_URL", "HOST_HEADER", "PATH_BYTES", "THREADS",
        "CONNECTIONS", "DURATION");
    // The seed's scenario by default: wrk -t1 -c40 -d10s, N = 11 (/helloworld).
    assertThat(parameters.getData()).containsEntry("THREADS", "1").containsEntry("CONNECTIONS", "40")
        .containsEntry("DURATION", "10s").containsEntry("PATH_BYTES", "11");
  }
}
