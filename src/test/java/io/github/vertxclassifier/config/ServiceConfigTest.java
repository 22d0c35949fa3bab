package io.github.vertxclassifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vertxclassifier.classifier.SiteClassifier.Algorithm;
import io.vertx.core.json.JsonArray;
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
        assertThat(ServiceConfig.from(new JsonObject().put("INSTANCES", "auto"), 3)
                        .instances())
                .isEqualTo(3);
        assertThat(ServiceConfig.from(new JsonObject().put("INSTANCES", "4"), 3).instances())
                .isEqualTo(4);
        assertThat(ServiceConfig.from(new JsonObject().put("HTTP_PORT", " 8081 "), 3)
                        .httpPort())
                .isEqualTo(8081);
        assertThat(ServiceConfig.from(new JsonObject().put("CLASSIFIER_ALGORITHM", "TABLE"), 3)
                        .algorithm())
                .isEqualTo(Algorithm.TABLE);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
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
                "HTTP_PROT|8080|unknown configuration key 'HTTP_PROT'",
                // Hosts by their syntax alone, never looked up (RFC 1123 §2.1; a name never ends in a number).
                "HTTP_HOST|999.1.1.1|HTTP_HOST must be an IP address or a host name, got '999.1.1.1': not an IPv4 address",
                "HTTP_HOST|10.0.0|HTTP_HOST must be an IP address or a host name, got '10.0.0': not an IPv4 address",
                "MANAGEMENT_HOST|1:::2|MANAGEMENT_HOST must be an IP address or a host name, got '1:::2': not an IPv6 address",
                "MANAGEMENT_HOST|host:80|MANAGEMENT_HOST must be an IP address or a host name, got 'host:80': not an IPv6",
                "HTTP_HOST|{a=1}|HTTP_HOST must be an IP address or a host name, got '{a=1}': not a host name",
                "HTTP_HOST|-pod.local|HTTP_HOST must be an IP address or a host name, got '-pod.local': not a host name",
                "HTTP_HOST|a..b|HTTP_HOST must be an IP address or a host name, got 'a..b': not a host name",
                "HTTP_HOST|under_score|HTTP_HOST must be an IP address or a host name, got 'under_score': not a host name",
            })
    void badValuesStopStartUpWithOneSentence(String key, String value, String message) {
        assertThatThrownBy(() -> ServiceConfig.from(new JsonObject().put(key, value), 2))
                .isInstanceOf(ServiceConfig.InvalidConfigException.class)
                .hasMessageStartingWith(message)
                .hasMessageNotContaining("\n");
    }

    @ParameterizedTest
    @CsvSource({
        "0.0.0.0",
        "127.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "[::]",
        "fe80::1",
        "::ffff:10.0.0.1",
        "localhost",
        "classifier",
        "my-pod.my-ns.svc.cluster.local",
        "example.com.",
        "1e100.net",
        "x-1.y2"
    })
    void hostsAreAddressesOrHostNames(String host) {
        assertThat(ServiceConfig.from(new JsonObject().put("HTTP_HOST", host), 2)
                        .httpHost())
                .isEqualTo(host);
    }

    @Test
    void aHostNameHasAtMost253CharactersAndLabelsOf63() {
        String label = "a".repeat(63);
        String longest = String.join(".", label, label, label, "a".repeat(61));
        assertThat(ServiceConfig.from(new JsonObject().put("HTTP_HOST", longest), 2)
                        .httpHost())
                .isEqualTo(longest);
        assertThatThrownBy(() -> ServiceConfig.from(new JsonObject().put("HTTP_HOST", longest + "a"), 2))
                .hasMessageEndingWith("a host name of more than 253 characters");
        assertThatThrownBy(() -> ServiceConfig.from(new JsonObject().put("HTTP_HOST", label + "a.example"), 2))
                .hasMessageEndingWith(
                        "not a host name (RFC 1123: dot-separated labels of 1..63 letters, digits and inner "
                                + "hyphens)");
    }

    @Test
    void aListOrAMappingIsNotASingleValue() {
        assertThatThrownBy(() -> ServiceConfig.from(new JsonObject().put("HTTP_HOST", new JsonObject().put("a", 1)), 2))
                .hasMessage("HTTP_HOST must be a single value, not a mapping");
        assertThatThrownBy(() -> ServiceConfig.from(new JsonObject().put("INSTANCES", new JsonArray().add(1)), 2))
                .hasMessage("INSTANCES must be a single value, not a list");
    }

    @Test
    void aBadValueIsShownOnOneLineAndShortened() {
        assertThatThrownBy(() -> ServiceConfig.from(new JsonObject().put("INSTANCES", "1\n2\u0000"), 2))
                .hasMessage("INSTANCES must be 'auto' or a whole number in 1..1024, got '1\\x0a2\\x00'");
        assertThatThrownBy(() -> ServiceConfig.from(new JsonObject().put("HTTP_PORT", "9".repeat(100_000)), 2))
                .hasMessage("HTTP_PORT must be a whole number in 1..65535, got '" + "9".repeat(60)
                        + "'... (100000 characters)");
    }

    @Test
    void portsMustDiffer() {
        assertThatThrownBy(() -> ServiceConfig.from(new JsonObject().put("HTTP_PORT", 9090), 2))
                .hasMessage("HTTP_PORT and MANAGEMENT_PORT must differ, both are 9090");
    }
}
