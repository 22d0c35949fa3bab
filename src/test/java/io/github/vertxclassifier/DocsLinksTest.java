package io.github.vertxclassifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in the repository's Markdown points at a file or folder inside the repository, so a
 * clone stands on its own (nothing links to a sibling checkout or a path that moved).
 */
class DocsLinksTest {

    private static final Path ROOT =
            Path.of(System.getProperty("project.root", ".")).toAbsolutePath().normalize();
    /** {@code [text](target)} and {@code ![alt](target)}; the target up to a space, a {@code #} or the paren. */
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]*)(#[^)\\s]*)?(\\s+\"[^\"]*\")?\\)");

    @Test
    void relativeLinksResolveInsideTheRepository() throws IOException {
        List<String> broken = new ArrayList<>();
        List<Path> docs;
        try (Stream<Path> files = Files.walk(ROOT)) {
            docs = files.filter(path -> path.toString().endsWith(".md"))
                    .filter(path -> !ROOT.relativize(path).toString().matches("(target|bench/out|\\.git)/.*"))
                    .toList();
        }
        int links = 0;
        for (Path doc : docs) {
            Matcher matcher = LINK.matcher(Files.readString(doc));
            while (matcher.find()) {
                String target = matcher.group(1);
                if (target.isEmpty() || target.matches("^[a-z]+:.*")) {
                    continue; // an anchor in the same file, or http(s):, mailto:
                }
                links++;
                Path resolved = doc.getParent().resolve(target).normalize();
                if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    broken.add(ROOT.relativize(doc) + " -> " + target);
                }
            }
        }
        assertThat(docs).as("Markdown files under " + ROOT).isNotEmpty();
        assertThat(links).isPositive();
        assertThat(broken)
                .as("links that leave the repository or point at nothing")
                .isEmpty();
    }
}
