package io.github.vertxclassifier.config;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the configuration: the YAML file first, then the environment, which wins. Only the service's own
 * keys are taken from the environment; the rest of it never reaches the configuration. Synchronous and
 * without Vert.x, because the Vert.x instance is sized from what it reads.
 *
 * <p>Whatever the file is, reading it ends at once with a configuration or one line saying what is wrong: it is
 * looked at before it is opened (a directory, a FIFO or a device is refused without a read that could block), at
 * most {@link #MAX_FILE_BYTES} of it are read (a file that grows after the look is cut off there), and the YAML is
 * parsed by {@link YamlDocument} with limits.
 */
public final class ConfigLoader {

    /** Environment variable naming the YAML file; the file can't name itself. */
    public static final String CONFIG_FILE = "CONFIG_FILE";

    /** Resolved on disk first, then inside the jar, where the build packages it. */
    public static final String DEFAULT_FILE = "config/application.yaml";

    /** The largest configuration file read: the commented defaults are about 2 KiB. */
    public static final int MAX_FILE_BYTES = 64 * 1024;

    private ConfigLoader() {}

    /**
     * Loads and validates the configuration named by {@code CONFIG_FILE} in {@code env} (or the default file),
     * overridden by {@code env}; fails with {@link ServiceConfig.InvalidConfigException}.
     */
    public static ServiceConfig load(Map<String, String> env, int processors) {
        String named = env.get(CONFIG_FILE);
        String file = named == null || named.isBlank() ? DEFAULT_FILE : named;
        Map<String, Object> values;
        try {
            values = YamlDocument.parse(read(file));
        } catch (YamlDocument.InvalidDocumentException | UnreadableException e) {
            String name = file.chars().allMatch(c -> c >= 0x20 && c != 0x7f) ? file : ServiceConfig.shown(file);
            throw new ServiceConfig.InvalidConfigException(
                    "cannot read configuration file " + name + ": " + e.getMessage());
        }
        JsonObject json = new JsonObject(new HashMap<>(values));
        for (String key : ServiceConfig.KEYS) {
            String value = env.get(key);
            if (value != null && !value.isBlank()) {
                json.put(key, value);
            }
        }
        return ServiceConfig.from(json, processors);
    }

    /** The file's text: from disk, or the default file from the jar when it is not on disk. */
    private static String read(String file) throws UnreadableException {
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw new UnreadableException("not a valid file name");
        }
        BasicFileAttributes attributes;
        try {
            attributes =
                    Files.readAttributes(path, BasicFileAttributes.class); // follows links, as a ConfigMap mount has
        } catch (NoSuchFileException e) {
            if (file.equals(DEFAULT_FILE)) {
                return packagedDefaults();
            }
            throw new UnreadableException("no such file");
        } catch (IOException e) {
            throw new UnreadableException(reason(e));
        }
        if (attributes.isDirectory()) {
            throw new UnreadableException("is a directory");
        }
        if (!attributes.isRegularFile()) {
            throw new UnreadableException("not a regular file (a FIFO, socket or device)");
        }
        if (attributes.size() > MAX_FILE_BYTES) {
            throw new UnreadableException(tooLarge(attributes.size() + " bytes"));
        }
        try (InputStream in = Files.newInputStream(path)) {
            return text(in);
        } catch (IOException e) {
            throw new UnreadableException(reason(e));
        }
    }

    private static String packagedDefaults() throws UnreadableException {
        try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULT_FILE)) {
            if (in == null) {
                throw new UnreadableException("no such file, and none packaged in the jar");
            }
            return text(in);
        } catch (IOException e) {
            throw new UnreadableException(reason(e));
        }
    }

    /** At most {@link #MAX_FILE_BYTES} bytes of UTF-8 (YAML 1.1's usual encoding; a BOM is allowed). */
    private static String text(InputStream in) throws IOException, UnreadableException {
        byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        if (bytes.length > MAX_FILE_BYTES) {
            throw new UnreadableException(tooLarge("more"));
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new UnreadableException("not UTF-8 text");
        }
    }

    private static String tooLarge(String size) {
        return size + ", larger than the " + MAX_FILE_BYTES + " bytes a configuration file may have";
    }

    /** The operating system's reason, without the file name the message already has. */
    private static String reason(IOException failure) {
        if (failure instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (failure instanceof FileSystemException fileSystem && fileSystem.getReason() != null) {
            return fileSystem.getReason().toLowerCase(java.util.Locale.ROOT);
        }
        return failure.getMessage() == null ? "read error" : ServiceConfig.shown(failure.getMessage());
    }

    /** The file can't be read as a configuration file; the message is the reason. */
    private static final class UnreadableException extends Exception {
        UnreadableException(String message) {
            super(message, null, false, false);
        }
    }
}
