package io.socketserve.demo.proxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The configuration blocks of {@code docs/deploy.md} that the proxy tests run, so that the guide
 * cannot drift from what is tested. A block is the fenced code block right after the HTML comment
 * {@code <!-- deploy-test: NAME -->} (invisible when the guide is rendered). The tests change only
 * the placeholders the guide marks (instance addresses, listen port, log directory), through {@link
 * #substitute}, which fails when a placeholder is missing.
 */
final class DeployGuide {

    static final Path FILE = Path.of("..", "docs", "deploy.md").toAbsolutePath().normalize();

    private DeployGuide() {}

    /** The text of block {@code name}, without its fences. */
    static String block(String name) {
        List<String> lines;
        try {
            lines = Files.readAllLines(FILE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FILE, e);
        }
        String marker = "<!-- deploy-test: " + name + " -->";
        List<String> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).trim().equals(marker)) {
                continue;
            }
            if (i + 1 >= lines.size() || !lines.get(i + 1).startsWith("```")) {
                throw new AssertionError(FILE + ": " + marker + " must be followed by a fenced code block");
            }
            StringBuilder b = new StringBuilder();
            int j = i + 2;
            for (; j < lines.size() && !lines.get(j).startsWith("```"); j++) {
                b.append(lines.get(j)).append('\n');
            }
            if (j == lines.size()) {
                throw new AssertionError(FILE + ": the block after " + marker + " is not closed");
            }
            found.add(b.toString());
        }
        if (found.size() != 1) {
            throw new AssertionError(
                    FILE + " must hold exactly one block marked " + marker + ", found " + found.size());
        }
        return found.get(0);
    }

    /** Replaces each placeholder (a literal) by its value; each must occur in {@code block} exactly once. */
    static String substitute(String block, String name, Map<String, String> values) {
        String out = block;
        for (Map.Entry<String, String> e : values.entrySet()) {
            int first = out.indexOf(e.getKey());
            if (first < 0 || out.indexOf(e.getKey(), first + 1) >= 0) {
                throw new AssertionError("docs/deploy.md block '" + name + "' must contain the placeholder '"
                        + e.getKey() + "' exactly once (the proxy tests replace it)");
            }
            out = out.replace(e.getKey(), e.getValue());
        }
        return out;
    }
}
