package io.github.vertxclassifier.config;

import io.github.vertxclassifier.classifier.SiteClassifier.Algorithm;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The validated service configuration. Keys are the environment variable names, so the YAML file and the
 * environment speak the same language. Every check fails with one sentence naming the key and the value (quoted
 * on one line, shortened when long). Hosts are checked by their syntax only, without DNS.
 */
public record ServiceConfig(
        String httpHost,
        int httpPort,
        String managementHost,
        int managementPort,
        int instances,
        Algorithm algorithm,
        int shutdownDrainSeconds,
        boolean metricsEnabled,
        int idleTimeoutSeconds,
        int maxRequestLineBytes,
        int maxHeaderBytes,
        int requestHeaderTimeoutSeconds,
        int maxConnections,
        boolean nativeTransport,
        int warmupSeconds) {

    public static final String HTTP_HOST = "HTTP_HOST";
    public static final String HTTP_PORT = "HTTP_PORT";
    public static final String MANAGEMENT_HOST = "MANAGEMENT_HOST";
    public static final String MANAGEMENT_PORT = "MANAGEMENT_PORT";
    public static final String INSTANCES = "INSTANCES";
    public static final String CLASSIFIER_ALGORITHM = "CLASSIFIER_ALGORITHM";
    public static final String SHUTDOWN_DRAIN_SECONDS = "SHUTDOWN_DRAIN_SECONDS";
    public static final String METRICS_ENABLED = "METRICS_ENABLED";
    public static final String IDLE_TIMEOUT_SECONDS = "IDLE_TIMEOUT_SECONDS";
    public static final String MAX_REQUEST_LINE_BYTES = "MAX_REQUEST_LINE_BYTES";
    public static final String MAX_HEADER_BYTES = "MAX_HEADER_BYTES";
    public static final String REQUEST_HEADER_TIMEOUT_SECONDS = "REQUEST_HEADER_TIMEOUT_SECONDS";
    public static final String MAX_CONNECTIONS = "MAX_CONNECTIONS";
    public static final String NATIVE_TRANSPORT = "NATIVE_TRANSPORT";
    public static final String WARMUP_SECONDS = "WARMUP_SECONDS";

    /** Every key the service reads; the environment store imports only these. */
    public static final Set<String> KEYS = Set.of(
            HTTP_HOST,
            HTTP_PORT,
            MANAGEMENT_HOST,
            MANAGEMENT_PORT,
            INSTANCES,
            CLASSIFIER_ALGORITHM,
            SHUTDOWN_DRAIN_SECONDS,
            METRICS_ENABLED,
            IDLE_TIMEOUT_SECONDS,
            MAX_REQUEST_LINE_BYTES,
            MAX_HEADER_BYTES,
            REQUEST_HEADER_TIMEOUT_SECONDS,
            MAX_CONNECTIONS,
            NATIVE_TRANSPORT,
            WARMUP_SECONDS);

    /** Longest stretch of a bad value a message repeats. */
    private static final int SHOWN_CHARACTERS = 60;

    /** Thrown for configuration that must stop start-up; the message is the one line printed. */
    public static final class InvalidConfigException extends RuntimeException {
        public InvalidConfigException(String message) {
            super(message);
        }
    }

    /** Validates merged configuration (file, then environment). {@code processors} resolves "auto". */
    public static ServiceConfig from(JsonObject json, int processors) {
        for (String key : json.fieldNames()) {
            if (!KEYS.contains(key)) {
                throw new InvalidConfigException("unknown configuration key " + shown(key) + " (known: " + KEYS + ")");
            }
            Object value = json.getValue(key);
            if (value instanceof JsonObject || value instanceof Map<?, ?>) {
                throw new InvalidConfigException(key + " must be a single value, not a mapping");
            }
            if (value instanceof JsonArray || value instanceof List<?>) {
                throw new InvalidConfigException(key + " must be a single value, not a list");
            }
        }
        ServiceConfig config = new ServiceConfig(
                host(json, HTTP_HOST),
                port(json, HTTP_PORT, 8080),
                host(json, MANAGEMENT_HOST),
                port(json, MANAGEMENT_PORT, 9090),
                instances(json, processors),
                algorithm(json),
                integer(json, SHUTDOWN_DRAIN_SECONDS, 5, 0, 3600),
                bool(json, METRICS_ENABLED, true),
                integer(json, IDLE_TIMEOUT_SECONDS, 60, 1, 86_400),
                integer(json, MAX_REQUEST_LINE_BYTES, 8192, 64, 1 << 20),
                integer(json, MAX_HEADER_BYTES, 8192, 256, 1 << 20),
                integer(json, REQUEST_HEADER_TIMEOUT_SECONDS, 10, 1, 3600),
                integer(json, MAX_CONNECTIONS, 10_000, 1, 1_000_000),
                bool(json, NATIVE_TRANSPORT, true),
                integer(json, WARMUP_SECONDS, 0, 0, 60));
        if (config.httpPort == config.managementPort) {
            throw new InvalidConfigException(
                    HTTP_PORT + " and " + MANAGEMENT_PORT + " must differ, both are " + config.httpPort);
        }
        return config;
    }

    private static String text(JsonObject json, String key, String fallback) {
        Object value = json.getValue(key);
        if (value == null) {
            return fallback;
        }
        String text = value.toString().trim();
        if (text.isEmpty()) {
            throw new InvalidConfigException(key + " must not be empty");
        }
        return text;
    }

    /** A literal IPv4 or IPv6 address or a host name (RFC 1123 syntax); checked here, never looked up. */
    private static String host(JsonObject json, String key) {
        String host = text(json, key, "0.0.0.0");
        String problem = HostSyntax.problem(host);
        if (problem != null) {
            throw new InvalidConfigException(
                    key + " must be an IP address or a host name, got " + shown(host) + ": " + problem);
        }
        return host;
    }

    private static int port(JsonObject json, String key, int fallback) {
        return integer(json, key, fallback, 1, 65_535);
    }

    private static int integer(JsonObject json, String key, int fallback, int min, int max) {
        Object value = json.getValue(key);
        if (value == null) {
            return fallback;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(
                    key + " must be a whole number in " + min + ".." + max + ", got " + shown(value));
        }
        if (parsed < min || parsed > max) {
            throw new InvalidConfigException(key + " must be in " + min + ".." + max + ", got " + parsed);
        }
        return (int) parsed;
    }

    private static int instances(JsonObject json, int processors) {
        Object value = json.getValue(INSTANCES);
        if (value == null || "auto".equalsIgnoreCase(value.toString().trim())) {
            return processors;
        }
        try {
            return integer(json, INSTANCES, processors, 1, 1024);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(
                    INSTANCES + " must be 'auto' or a whole number in 1..1024, got " + shown(value));
        }
    }

    private static Algorithm algorithm(JsonObject json) {
        String value = text(json, CLASSIFIER_ALGORITHM, "scan");
        try {
            return Algorithm.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(CLASSIFIER_ALGORITHM + " must be 'scan' or 'table', got " + shown(value));
        }
    }

    private static boolean bool(JsonObject json, String key, boolean fallback) {
        Object value = json.getValue(key);
        if (value == null) {
            return fallback;
        }
        String text = value.toString().trim().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new InvalidConfigException(key + " must be true or false, got " + shown(value));
    }

    /**
     * {@code value} in single quotes for a one-line message: control characters as {@code \xNN}, and at most
     * {@value #SHOWN_CHARACTERS} characters of it, then how long it was.
     */
    static String shown(Object value) {
        String text = String.valueOf(value);
        StringBuilder out = new StringBuilder("'");
        text.codePoints().limit(SHOWN_CHARACTERS).forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        long length = text.codePoints().count();
        return out.append(length > SHOWN_CHARACTERS ? "'... (" + length + " characters)" : "'")
                .toString();
    }
}
