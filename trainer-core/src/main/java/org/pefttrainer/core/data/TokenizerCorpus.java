package org.pefttrainer.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Plain text for training a tokenizer on a dataset: for every example the rendered prompt (so the template's own
 * words are in the vocabulary) and every reference, one non-blank line per dialogue turn or summary line.
 */
public final class TokenizerCorpus {
    private TokenizerCorpus() {}

    /** The corpus lines, in example order. */
    public static List<String> lines(List<Example> examples, PromptTemplate template) {
        List<String> lines = new ArrayList<>();
        for (Example e : examples) {
            addLines(lines, template.render(e));
            for (String r : e.references()) {
                addLines(lines, r);
            }
        }
        return lines;
    }

    /** Writes {@link #lines} to {@code out}, one per line, UTF-8, atomically (temp file, then rename). */
    public static void write(List<Example> examples, PromptTemplate template, Path out) {
        Path dir = out.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(out.getFileName() + ".tmp");
            try {
                Files.write(tmp, lines(examples, template), StandardCharsets.UTF_8);
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tokenizer corpus " + out, e);
        }
    }

    private static void addLines(List<String> out, String text) {
        for (String line : text.split("\n")) {
            String s = line.strip();
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
    }
}
