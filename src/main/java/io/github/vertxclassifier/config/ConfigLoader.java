package io.github.vertxclassifier.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/**
 * Reads the configuration with vertx-config: the YAML file first, then the environment, so that the
 * environment wins (vertx-config merges stores in declaration order, later ones overriding; its default
 * store list would let the file win).
 */
public final class ConfigLoader {

  /** Environment variable naming the YAML file; the file can't name itself. */
  public static final String CONFIG_FILE = "CONFIG_FILE";

  /** Resolved on disk first, then inside the jar, where the build packages it. */
  public static final String DEFAULT_FILE = "config/application.yaml";

  private ConfigLoader() {
  }

  /** The file named by {@code CONFIG_FILE}, or the default one. */
  public static String configFile() {
    String file = System.getenv(CONFIG_FILE);
    return file == null || file.isBlank() ? DEFAULT_FILE : file;
  }

  /** Loads and validates the configuration; fails with {@link ServiceConfig.InvalidConfigException}. */
  public static Future<ServiceConfig> load(Vertx vertx, String file, int processors) {
    ConfigStoreOptions yaml = new ConfigStoreOptions()
        .setType("file")
        .setFormat("yaml")
        .setConfig(new JsonObject().put("path", file));
    // Only the service's own keys are imported: the rest of the environment never reaches the config.
    ConfigStoreOptions env = new ConfigStoreOptions()
        .setType("env")
        .setConfig(new JsonObject().put("keys", new JsonArray(ServiceConfig.KEYS.stream().sorted().toList())));
    ConfigRetriever retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().setScanPeriod(0).addStore(yaml).addStore(env));
    return retriever.getConfig()
        .recover(failure -> Future.failedFuture(new ServiceConfig.InvalidConfigException(
            "cannot read configuration file " + file + ": " + rootMessage(failure))))
        .map(json -> ServiceConfig.from(json, processors))
        .eventually(retriever::close);
  }

  /** The innermost cause, as one line: YAML parsers explain over several. */
  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof NoSuchFileException) {
      return "no such file";
    }
    if (root instanceof AccessDeniedException) {
      return "permission denied";
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.replaceAll("\\s+", " ").trim();
  }
}
