package org.pefttrainer.core.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.pefttrainer.core.UserException;

/**
 * One process trains in a run folder at a time. The lock is an OS file lock on {@value #FILE} in the run folder,
 * which the kernel releases when the holder exits, however it exits: a lock left by a killed process is simply taken
 * over. The file holds the holder's pid so the refusal can name it; a clean release empties it, so a non-empty file
 * found on taking the lock means its last holder died.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = ".peft-train.lock";

    private final FileChannel channel;
    private final FileLock lock;
    private final String takenOverFrom;

    private RunLock(FileChannel channel, FileLock lock, String takenOverFrom) {
        this.channel = channel;
        this.lock = lock;
        this.takenOverFrom = takenOverFrom;
    }

    /** Locks {@code runDir} (created if missing) or fails with a one-line error naming the holder's pid. */
    public static RunLock acquire(Path runDir) {
        Path file = runDir.resolve(FILE);
        FileChannel ch = null;
        try {
            Files.createDirectories(runDir);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // this JVM holds it already
            }
            if (l == null) {
                String holder = read(ch).strip();
                ch.close();
                throw new UserException(runDir + ": another peft train is running in this run folder (pid "
                        + (holder.isEmpty() ? "unknown" : holder) + "); wait for it to finish or stop it first");
            }
            String previous = read(ch).strip();
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(true);
            return new RunLock(ch, l, previous.isEmpty() ? null : previous);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UserException(file + ": cannot lock the run folder (" + e.getMessage() + ")", e);
        }
    }

    /** The pid of a holder that died without releasing the lock, if this lock took it over. */
    public java.util.Optional<String> takenOverFrom() {
        return java.util.Optional.ofNullable(takenOverFrom);
    }

    @Override
    public void close() {
        try {
            channel.truncate(0); // a clean release: nothing to report to the next holder
            lock.release();
        } catch (IOException ignored) {
            // the kernel releases the lock with the channel anyway
        } finally {
            closeQuietly(channel);
        }
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64);
        int n = ch.read(b, 0);
        return n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing left to do
            }
        }
    }
}
