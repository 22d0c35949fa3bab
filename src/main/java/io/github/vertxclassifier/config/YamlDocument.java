package io.github.vertxclassifier.config;

import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * The configuration file's YAML: one mapping of names to single values (a string, a number, true or false, or
 * nothing), read with limits so that no document can make it slow, deep or recursive. SnakeYAML composes the node
 * tree; its shape is checked on the nodes, and only the scalar values are constructed, so a list, a mapping or an
 * alias never becomes a Java object.
 */
final class YamlDocument {

    /**
     * The root mapping and, one level down, the list or mapping a key must not have (reported as such); anything
     * deeper is refused by the parser before it is built.
     */
    private static final int NESTING_DEPTH = 3;

    private YamlDocument() {}

    /** The document's keys and scalar values, in file order; an empty document is an empty map. */
    static Map<String, Object> parse(String text) throws InvalidDocumentException {
        Scalars scalars = new Scalars(options());
        Node root;
        try {
            DumperOptions unused = new DumperOptions();
            root = new Yaml(scalars, new Representer(unused), unused, options()).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            String problem = e.getContext() == null ? e.getProblem() : e.getContext() + ", " + e.getProblem();
            throw new InvalidDocumentException(problem.replaceAll("\\s+", " ").trim() + at(e.getProblemMark()));
        } catch (YAMLException e) {
            // Unmarked: the limits of LoaderOptions. Their texts name the library's settings, so each says it again.
            String message = String.valueOf(e.getMessage());
            if (message.contains("aliases")) {
                throw new InvalidDocumentException("an alias (*name) of a list or mapping is not allowed");
            }
            if (message.contains("Nesting Depth")) {
                throw new InvalidDocumentException("nested deeper than a mapping of single values");
            }
            throw new InvalidDocumentException(ServiceConfig.shown(message));
        }
        if (root == null) {
            return Map.of();
        }
        if (!(root instanceof MappingNode mapping)) {
            throw new InvalidDocumentException("not a mapping of keys to values" + at(root.getStartMark()));
        }
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        for (NodeTuple entry : mapping.getValue()) {
            Node keyNode = entry.getKeyNode();
            Node valueNode = entry.getValueNode();
            if (!(keyNode instanceof ScalarNode keyScalar) || keyNode.getTag().equals(Tag.MERGE)) {
                throw new InvalidDocumentException("a key must be a name" + at(keyNode.getStartMark()));
            }
            String key = keyScalar.getValue();
            int line = keyNode.getStartMark().getLine() + 1;
            Integer first = lines.putIfAbsent(key, line);
            if (first != null) {
                throw new InvalidDocumentException(
                        ServiceConfig.shown(key) + " is given twice (lines " + first + " and " + line + ")");
            }
            if (!(valueNode instanceof ScalarNode value)) {
                String kind = valueNode instanceof SequenceNode ? "a list" : "a mapping";
                throw new InvalidDocumentException(
                        key + " must be a single value, not " + kind + at(valueNode.getStartMark()));
            }
            values.put(key, scalars.value(value));
        }
        return values;
    }

    /**
     * A configuration file needs no aliases of lists or mappings: with none allowed, no document expands
     * exponentially (a billion laughs) or refers to itself. Keys are never collections, so never recursive.
     */
    private static LoaderOptions options() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(0);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(NESTING_DEPTH);
        options.setCodePointLimit(ConfigLoader.MAX_FILE_BYTES);
        options.setAllowDuplicateKeys(false);
        options.setMergeOnCompose(false);
        return options;
    }

    /** " (line L, column C)", one-based, as an editor counts. */
    private static String at(Mark mark) {
        return mark == null ? "" : " (line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ")";
    }

    /**
     * Scalars as YAML resolves them, for the tags a setting can use: a number, true or false, nothing (the default
     * applies); any other scalar (a float, a timestamp, a custom tag) as its text, which the validation then judges.
     */
    private static final class Scalars extends SafeConstructor {
        Scalars(LoaderOptions options) {
            super(options);
        }

        Object value(ScalarNode node) {
            Tag tag = node.getTag();
            if (tag.equals(Tag.NULL)) {
                return null;
            }
            return tag.equals(Tag.INT) || tag.equals(Tag.BOOL) ? constructObject(node) : node.getValue();
        }
    }

    /** The document is not a configuration; the message says why, in one line. */
    static final class InvalidDocumentException extends Exception {
        InvalidDocumentException(String message) {
            super(message, null, false, false);
        }
    }
}
