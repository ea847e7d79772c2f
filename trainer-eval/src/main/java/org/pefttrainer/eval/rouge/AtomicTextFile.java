package org.pefttrainer.eval.rouge;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.pefttrainer.core.UserException;

/** Writes a user-visible text file all or nothing: a temp file in the same folder, renamed over the target. */
final class AtomicTextFile {
    interface Body {
        void write(BufferedWriter out) throws IOException;
    }

    private AtomicTextFile() {}

    static void write(Path target, Body body) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UserException(target + ": folder " + dir + " does not exist");
        }
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new UserException(target + ": cannot write in " + dir + " (" + e.getMessage() + ")", e);
        }
        try {
            try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                body.write(out);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UserException(target + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temp file is hidden and harmless; the original error matters more
            }
        }
    }
}
