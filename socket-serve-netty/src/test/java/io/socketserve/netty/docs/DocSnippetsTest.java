package io.socketserve.netty.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java block of the guides below appears, whitespace aside, in the sources of this folder,
 * which the build compiles: an example that stops compiling, or a guide that drifts from its
 * compiled copy, fails here.
 */
class DocSnippetsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path EXAMPLES = Path.of("src/test/java/io/socketserve/netty/docs");
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)\\n```", Pattern.DOTALL);

    @Test
    void everyExampleOfApiMdIsCompiled() throws IOException {
        assertCompiled("docs/api.md");
    }

    @Test
    void everyExampleOfRoomsMdIsCompiled() throws IOException {
        assertCompiled("docs/rooms.md");
    }

    private static void assertCompiled(String guide) throws IOException {
        String compiled = normalize(examples());
        List<String> missing = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(Files.readString(ROOT.resolve(guide), StandardCharsets.UTF_8));
        int blocks = 0;
        while (m.find()) {
            blocks++;
            if (!compiled.contains(normalize(m.group(1)))) {
                missing.add(m.group(1));
            }
        }
        assertThat(blocks).as("Java blocks in %s", guide).isPositive();
        assertThat(missing)
                .as("blocks of %s not found (up to whitespace) in %s — copy them there", guide, EXAMPLES)
                .isEmpty();
    }

    private static String examples() throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                all.append(Files.readString(f, StandardCharsets.UTF_8)).append('\n');
            }
        }
        return all.toString();
    }

    private static String normalize(String code) {
        return code.replaceAll("\\s+", "");
    }
}
