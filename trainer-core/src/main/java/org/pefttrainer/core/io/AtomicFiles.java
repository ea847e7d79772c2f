package org.pefttrainer.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.pefttrainer.core.UserException;

/**
 * Writes files and folders so that a reader (or a crash, even kill -9) never sees a half-written one: the content
 * goes to a temporary sibling first, is flushed to disk, and is renamed over the target in one step.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Something that writes to the given (temporary) path. */
    @FunctionalInterface
    public interface PathWriter {
        void write(Path tmp) throws IOException;
    }

    public static void write(Path target, PathWriter writer) {
        Path dir = parentOf(target);
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ThreadLocalRandom.current().nextInt(1 << 30));
        try {
            Files.createDirectories(dir);
            writer.write(tmp);
            fsync(tmp);
            move(tmp, target);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UserException(target + ": cannot write (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    public static void writeString(Path target, String text) {
        write(target, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }

    public static void writeBytes(Path target, byte[] bytes) {
        write(target, tmp -> Files.write(tmp, bytes));
    }

    /**
     * Builds a whole folder under a temporary name and renames it to {@code target} at the end. An existing target
     * is replaced only when {@code replace} is true (the old folder is removed after the new one is in place).
     */
    public static void writeDirectory(Path target, boolean replace, PathWriter writer) {
        Path dir = parentOf(target);
        if (Files.exists(target) && !replace) {
            throw new UserException(target + ": already exists (use --force to replace it)");
        }
        int salt = ThreadLocalRandom.current().nextInt(1 << 30);
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + salt);
        Path old = dir.resolve("." + target.getFileName() + ".old-" + salt);
        try {
            Files.createDirectories(tmp);
            writer.write(tmp);
            boolean hadOld = Files.exists(target);
            if (hadOld) {
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            if (hadOld) {
                deleteRecursively(old);
            }
        } catch (IOException e) {
            deleteRecursively(tmp);
            throw new UserException(target + ": cannot write folder (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
    }

    public static void deleteRecursively(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(AtomicFiles::deleteQuietly);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException | DirectoryNotEmptyException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void fsync(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    private static Path parentOf(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a leftover temp file is harmless
        }
    }
}
