package io.github.vertxclassifier.config;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the configuration: the YAML file first, then the environment, which wins. Only the service's own
 * keys are taken from the environment; the rest of it never reaches the configuration. Synchronous and
 * without Vert.x, because the Vert.x instance is sized from what it reads.
 */
public final class ConfigLoader {

  /** Environment variable naming the YAML file; the file can't name itself. */
  public static final String CONFIG_FILE = "CONFIG_FILE";

  /** Resolved on disk first, then inside the jar, where the build packages it. */
  public static final String DEFAULT_FILE = "config/application.yaml";

  private ConfigLoader() {
  }

  /**
   * Loads and validates the configuration named by {@code CONFIG_FILE} in {@code env} (or the default file),
   * overridden by {@code env}; fails with {@link ServiceConfig.InvalidConfigException}.
   */
  public static ServiceConfig load(Map<String, String> env, int processors) {
    String named = env.get(CONFIG_FILE);
    String file = named == null || named.isBlank() ? DEFAULT_FILE : named;
    JsonObject json = readYaml(file);
    for (String key : ServiceConfig.KEYS) {
      String value = env.get(key);
      if (value != null && !value.isBlank()) {
        json.put(key, value);
      }
    }
    return ServiceConfig.from(json, processors);
  }

  private static JsonObject readYaml(String file) {
    try (InputStream in = open(file)) {
      Object document = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
      if (document == null) {
        return new JsonObject();
      }
      if (!(document instanceof Map<?, ?> map)) {
        throw invalid(file, "not a mapping of keys to values");
      }
      JsonObject json = new JsonObject();
      map.forEach((key, value) -> json.put(String.valueOf(key), value));
      return json;
    } catch (IOException | RuntimeException e) {
      if (e instanceof ServiceConfig.InvalidConfigException invalid) {
        throw invalid;
      }
      throw invalid(file, rootMessage(e));
    }
  }

  /** The file on disk; the default one also from the jar, so that the jar starts from any directory. */
  private static InputStream open(String file) throws IOException {
    Path path = Path.of(file);
    if (!Files.exists(path) && file.equals(DEFAULT_FILE)) {
      InputStream packaged = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULT_FILE);
      if (packaged != null) {
        return packaged;
      }
    }
    return Files.newInputStream(path);
  }

  private static ServiceConfig.InvalidConfigException invalid(String file, String reason) {
    return new ServiceConfig.InvalidConfigException("cannot read configuration file " + file + ": " + reason);
  }

  /** One line: YAML parsers explain over several. */
  private static String rootMessage(Exception failure) {
    if (failure instanceof NoSuchFileException) {
      return "no such file";
    }
    if (failure instanceof AccessDeniedException) {
      return "permission denied";
    }
    String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    return message.replaceAll("\\s+", " ").trim();
  }
}
