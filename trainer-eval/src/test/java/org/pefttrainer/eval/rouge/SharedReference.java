package org.pefttrainer.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Locates the shared reference files (../shared) and the rouge test resources made by the real rouge_score. */
final class SharedReference {
    static final ObjectMapper JSON = new ObjectMapper();

    private SharedReference() {}

    /** A file of {@code shared/rouge-reference}; fails (never skips) when the shared folder is missing. */
    static Path rougeReference(String name) {
        String env = System.getenv("PEFT_SHARED");
        // Surefire runs in the module folder: ../../shared is the checkout's sibling "shared".
        Path shared = env != null && !env.isBlank() ? Path.of(env) : Path.of("../../shared");
        Path file = shared.resolve("rouge-reference").resolve(name);
        assertTrue(Files.isRegularFile(file), "shared reference file missing: " + file.toAbsolutePath()
                + " (set PEFT_SHARED to the shared folder; these tests need it)");
        return file;
    }

    static List<JsonNode> readJsonLines(Path file) {
        try {
            List<JsonNode> rows = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                rows.add(JSON.readTree(line));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> resourceJsonLines(String name) {
        try (InputStream in = SharedReference.class.getResourceAsStream("/rouge/" + name)) {
            assertTrue(in != null, "test resource missing: /rouge/" + name);
            List<JsonNode> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty()) {
                    rows.add(JSON.readTree(line));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode resourceJson(String name) {
        try (InputStream in = SharedReference.class.getResourceAsStream("/rouge/" + name)) {
            assertTrue(in != null, "test resource missing: /rouge/" + name);
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> references(JsonNode reference) {
        List<String> refs = new ArrayList<>();
        if (reference.isArray()) {
            reference.forEach(r -> refs.add(r.textValue()));
        } else {
            refs.add(reference.textValue());
        }
        return refs;
    }
}
