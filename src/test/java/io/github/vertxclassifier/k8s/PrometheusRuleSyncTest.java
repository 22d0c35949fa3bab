package io.github.vertxclassifier.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed PrometheusRule (monitoring component) is generated from grafana/alert-rules.yaml (the single source):
 * its spec must equal the rule file, parsed, structurally.
 */
class PrometheusRuleSyncTest {

    static final String COMMITTED = "k8s/components/monitoring/prometheus-operator/prometheusrule.yaml";

    @Test
    void committedPrometheusRuleSpecEqualsTheRuleFile() {
        JsonNode committed = Manifests.documents(Manifests.read(COMMITTED)).get(0);
        JsonNode ruleFile =
                Manifests.documents(Manifests.read(ManifestChecks.RULE_FILE)).get(0);
        PrometheusRule rule = (PrometheusRule) Manifests.toModel(committed);

        assertThat(StrictModel.problems(rule)).isEmpty();
        assertThat(ruleFile.path("groups").isArray() && ruleFile.path("groups").size() > 0)
                .as(ManifestChecks.RULE_FILE + " has rule groups")
                .isTrue();
        // The raw YAML trees (what the developer edited vs what is committed) ...
        assertThat(ManifestChecks.compareRuleSpec(committed.path("spec"), ruleFile, COMMITTED))
                .as("rerun k8s/generate-prometheusrule.sh")
                .isEmpty();
        // ... and the fabric8 model of the spec (what the operator will read).
        assertThat(ManifestChecks.compareRuleSpec(
                        Manifests.SERIALIZATION.convertValue(rule.getSpec(), JsonNode.class), ruleFile, COMMITTED))
                .as("rerun k8s/generate-prometheusrule.sh")
                .isEmpty();
    }

    @Test
    void comparisonDetectsAnEditedRule() {
        JsonNode ruleFile =
                Manifests.documents(Manifests.read(ManifestChecks.RULE_FILE)).get(0);
        JsonNode edited = ruleFile.deepCopy();
        ((ObjectNode) edited.path("groups").get(0).path("rules").get(0)).put("expr", "vector(1)");

        assertThat(ManifestChecks.compareRuleSpec(edited, ruleFile, "edited"))
                .singleElement()
                .asString()
                .contains("k8s/generate-prometheusrule.sh");
        assertThat(ManifestChecks.compareRuleSpec(ruleFile.deepCopy(), ruleFile, "copy"))
                .isEmpty();
    }

    @Test
    void generatorWritesAPrometheusRuleWhoseSpecIsTheRuleFile(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
        # comment
        groups:
          - name: g
            interval: 30s
            rules:
              - record: job:x:rate5m
                expr: sum by (job) (rate(x[5m]))
              - alert: A
                expr: |
                  up == 0
                  and on() vector(1)
                for: 5m
                labels: {severity: warning}
                annotations:
                  summary: "down {{ $labels.instance }}"
        """);
        Path out = dir.resolve("prometheusrule.yaml");

        Process process = new ProcessBuilder(
                        "bash",
                        Manifests.file("k8s/generate-prometheusrule.sh").toString(),
                        rules.toString(),
                        out.toString())
                .redirectErrorStream(true)
                .start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue())
                .as(new String(process.getInputStream().readAllBytes()))
                .isZero();

        List<JsonNode> docs = Manifests.documents(Files.readString(out));
        assertThat(docs).hasSize(1);
        PrometheusRule rule = (PrometheusRule) Manifests.toModel(docs.get(0));
        assertThat(StrictModel.problems(rule)).isEmpty();
        assertThat(rule.getSpec().getGroups().get(0).getRules().get(1).getExpr().getStrVal())
                .isEqualTo("up == 0\nand on() vector(1)\n");
        assertThat(ManifestChecks.compareRuleSpec(
                        docs.get(0).path("spec"),
                        Manifests.documents(Files.readString(rules)).get(0),
                        "generated"))
                .isEmpty();
    }

    /** RUNBOOK_BASE swaps the default base of every runbook_url in the output; anything but a plain URL exits 2. */
    @Test
    void generatorReplacesTheRunbookBase(@TempDir Path dir) throws Exception {
        String base = "https://github.com/vertxclassifier/vertx-classifier/blob/main/docs/runbook.md";
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
        groups:
          - name: g
            rules:
              - alert: A
                expr: up == 0
                annotations:
                  runbook_url: "%s#a"
              - alert: B
                expr: up == 0
                annotations:
                  runbook_url: "%s#b"
        """.formatted(base, base));
        Path out = dir.resolve("prometheusrule.yaml");

        Process ok = generator(rules, out, "https://git.corp.example/team/runbook.md");
        assertThat(ok.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ok.exitValue())
                .as(new String(ok.getInputStream().readAllBytes()))
                .isZero();
        String written = Files.readString(out);
        assertThat(written)
                .contains(
                        "runbook_url: \"https://git.corp.example/team/runbook.md#a\"",
                        "runbook_url: \"https://git.corp.example/team/runbook.md#b\"")
                .doesNotContain(base);

        Process bad = generator(rules, dir.resolve("other.yaml"), "https://a b|c");
        assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(bad.exitValue()).isEqualTo(2);
        assertThat(new String(bad.getInputStream().readAllBytes()).lines())
                .singleElement()
                .asString()
                .contains("RUNBOOK_BASE must be an http(s) URL");
        assertThat(dir.resolve("other.yaml")).doesNotExist();
    }

    private static Process generator(Path rules, Path out, String runbookBase) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                        "bash",
                        Manifests.file("k8s/generate-prometheusrule.sh").toString(),
                        rules.toString(),
                        out.toString())
                .redirectErrorStream(true);
        builder.environment().put("RUNBOOK_BASE", runbookBase);
        return builder.start();
    }
}
