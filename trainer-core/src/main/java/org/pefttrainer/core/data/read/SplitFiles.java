package org.pefttrainer.core.data.read;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.Split;

/**
 * Finds a split's file. A path that is a file serves every split; in a folder, the file whose name without the
 * extension is a split name or ends in {@code .name}, {@code _name} or {@code -name} (so {@code train.jsonl},
 * {@code dialogsum.dev.jsonl} and {@code samsum-validation.json} all match).
 */
final class SplitFiles {
    private SplitFiles() {}

    static Path find(Path path, Split split, String extension) {
        if (Files.isRegularFile(path)) {
            return path;
        }
        if (!Files.isDirectory(path)) {
            throw new UserException("dataset path " + path + " does not exist");
        }
        List<Path> matches = candidates(path, extension).stream()
                .filter(f -> splitOf(f, extension) == split)
                .collect(Collectors.toList());
        if (matches.isEmpty()) {
            throw new UserException("no " + split.canonicalName() + " file in " + path + ": expected a *" + extension
                    + " file named " + String.join(" / ", split.names()) + " (optionally after a prefix and . _ -)");
        }
        if (matches.size() > 1) {
            throw new UserException("several " + split.canonicalName() + " files in " + path + ": " + matches
                    + "; keep one or point the dataset path at a file");
        }
        return matches.get(0);
    }

    static Set<Split> available(Path path, String extension) {
        if (Files.isRegularFile(path)) {
            return EnumSet.allOf(Split.class);
        }
        Set<Split> found = EnumSet.noneOf(Split.class);
        if (Files.isDirectory(path)) {
            for (Path f : candidates(path, extension)) {
                Split s = splitOf(f, extension);
                if (s != null) {
                    found.add(s);
                }
            }
        }
        return found;
    }

    static List<Path> candidates(Path folder, String extension) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(extension))
                    .sorted()
                    .collect(Collectors.toCollection(ArrayList::new));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    private static Split splitOf(Path file, String extension) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String base = name.substring(0, name.length() - extension.length());
        for (Split s : Split.values()) {
            for (String n : s.names()) {
                if (base.equals(n) || base.endsWith("." + n) || base.endsWith("_" + n) || base.endsWith("-" + n)) {
                    return s;
                }
            }
        }
        return null;
    }
}
