package io.github.vertxclassifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vertxclassifier.classifier.SiteClassifier.Algorithm;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServiceConfigTest {

  @Test
  void defaultsMatchTheSpec() {
    ServiceConfig config = ServiceConfig.from(new JsonObject(), 6);
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.managementPort()).isEqualTo(9090);
    assertThat(config.instances()).isEqualTo(6);
    assertThat(config.algorithm()).isEqualTo(Algorithm.SCAN);
    assertThat(config.maxRequestLineBytes()).isEqualTo(8192);
    assertThat(config.maxHeaderBytes()).isEqualTo(8192);
    assertThat(config.metricsEnabled()).isTrue();
  }

  @Test
  void autoInstancesIsTheProcessorCountAndNumbersAreAcceptedAsText() {
    assertThat(ServiceConfig.from(new JsonObject().put("INSTANCES", "auto"), 3).instances()).isEqualTo(3);
    assertThat(ServiceConfig.from(new JsonObject().put("INSTANCES", "4"), 3).instances()).isEqualTo(4);
    assertThat(ServiceConfig.from(new JsonObject().put("HTTP_PORT", " 8081 "), 3).httpPort()).isEqualTo(8081);
    assertThat(ServiceConfig.from(new JsonObject().put("CLASSIFIER_ALGORITHM", "TABLE"), 3).algorithm())
        .isEqualTo(Algorithm.TABLE);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "HTTP_PORT|70000|HTTP_PORT must be in 1..65535, got 70000",
      "HTTP_PORT|0|HTTP_PORT must be in 1..65535, got 0",
      "MANAGEMENT_PORT|http|MANAGEMENT_PORT must be a whole number in 1..65535, got 'http'",
      "INSTANCES|0|INSTANCES must be 'auto' or a whole number in 1..1024, got '0'",
      "INSTANCES|many|INSTANCES must be 'auto' or a whole number in 1..1024, got 'many'",
      "CLASSIFIER_ALGORITHM|fast|CLASSIFIER_ALGORITHM must be 'scan' or 'table', got 'fast'",
      "METRICS_ENABLED|yes|METRICS_ENABLED must be true or false, got 'yes'",
      "SHUTDOWN_DRAIN_SECONDS|-1|SHUTDOWN_DRAIN_SECONDS must be in 0..3600, got -1",
      "WARMUP_SECONDS|61|WARMUP_SECONDS must be in 0..60, got 61",
      "WARMUP_SECONDS|5s|WARMUP_SECONDS must be a whole number in 0..60, got '5s'",
      "HTTP_HOST|'  '|HTTP_HOST must not be empty",
      "HTTP_PROT|8080|unknown configuration key HTTP_PROT",
  })
  void badValuesStopStartUpWithOneSentence(String key, String value, String message) {
    assertThatThrownBy(() -> ServiceConfig.from(new JsonObject().put(key, value), 2))
        .isInstanceOf(ServiceConfig.InvalidConfigException.class)
        .hasMessageStartingWith(message)
        .hasMessageNotContaining("\n");
  }

  @Test
  void portsMustDiffer() {
    assertThatThrownBy(() -> ServiceConfig.from(new JsonObject().put("HTTP_PORT", 9090), 2))
        .hasMessage("HTTP_PORT and MANAGEMENT_PORT must differ, both are 9090");
  }
}
