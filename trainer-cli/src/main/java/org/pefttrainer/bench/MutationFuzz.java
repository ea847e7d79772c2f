package org.pefttrainer.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.pefttrainer.core.UserException;

/**
 * The loop the file-format fuzzers share ({@link SafetensorsFuzz}, {@link TorchPickleFuzz}): each input is a mutated
 * seed written to one file and read back; it must load correctly or end in the project's one-line
 * {@link UserException}. Anything else (another exception or error, a wrong load, a wrong refusal, an input slower
 * than {@link #SLOW_NANOS}) is a finding, kept with the seed and the mutation that caused it.
 */
public final class MutationFuzz {
    /** An input slower than this counts as a hang. */
    public static final long SLOW_NANOS = 2_000_000_000L;

    /** Inputs run, outcomes, inputs per mutation kind, and the findings (at most 50 kept). */
    public record Result(long inputs, long loaded, long refused, Map<String, Long> byMutation, List<String> findings,
            long findingCount, double seconds) {}

    /** One mutated input: the file's bytes, its seed's name, the mutation (its kind is the text before " (") and what
     * the reader's check needs to know of it. */
    public record Input<T>(byte[] bytes, String seed, String mutation, T detail) {}

    /** A reader under test. */
    public interface Target<T> {
        Input<T> next(Random rnd);

        /** Reads {@code file} holding the input; null when the load is right, else what is wrong with it. */
        String load(Path file, Input<T> in) throws IOException;

        /** Null when {@code e} is the refusal the input deserves, else what is wrong with it. */
        String refusal(Path file, Input<T> in, UserException e);
    }

    private MutationFuzz() {}

    public static <T> Result run(Path file, Target<T> target, long inputs, long seed) {
        Random rnd = new Random(seed);
        long loaded = 0;
        long refused = 0;
        long findingCount = 0;
        List<String> findings = new ArrayList<>();
        Map<String, Long> byMutation = new TreeMap<>();
        long t0 = System.nanoTime();
        for (long i = 0; i < inputs; i++) {
            Input<T> in = target.next(rnd);
            byMutation.merge(in.mutation().replaceAll("[ (].*", ""), 1L, Long::sum);
            String finding;
            long start = System.nanoTime();
            try {
                Files.write(file, in.bytes());
                finding = target.load(file, in);
                if (finding == null) {
                    loaded++;
                }
            } catch (UserException e) {
                finding = target.refusal(file, in, e);
                if (finding == null) {
                    refused++;
                }
            } catch (Throwable e) { // NOPMD: anything else, an OutOfMemoryError too, is what this looks for
                finding = "threw " + e;
            }
            long took = System.nanoTime() - start;
            if (finding == null && took > SLOW_NANOS) {
                finding = String.format(Locale.ROOT, "took %.1f s", took / 1e9);
            }
            if (finding != null) {
                findingCount++;
                if (findings.size() < 50) {
                    findings.add("input " + i + " (seed " + in.seed() + ", " + in.mutation() + "): " + finding);
                }
            }
        }
        return new Result(inputs, loaded, refused, byMutation, findings, findingCount, (System.nanoTime() - t0) / 1e9);
    }

    /** The one-line refusal every reader owes: one line, starting with the file's path. Null when it is. */
    public static String oneLineNamingFile(Path file, UserException e) {
        String msg = e.getMessage();
        if (msg == null || msg.contains("\n")) {
            return "error is not one line: " + msg;
        }
        if (!msg.startsWith(file.toString() + ": ")) {
            return "error does not start with the file: " + msg;
        }
        return null;
    }

    /** What {@code peft bench fuzz-*} prints; 0 without findings, 1 with. */
    public static int report(PrintWriter out, String command, Result r) {
        out.printf(Locale.ROOT, "bench %s: %,d inputs in %.1f s (%,.0f/s): %,d loaded correctly, %,d refused with a"
                + " one-line error, %,d findings%n", command, r.inputs(), r.seconds(), r.inputs() / r.seconds(),
                r.loaded(), r.refused(), r.findingCount());
        out.println("  by mutation: " + r.byMutation());
        r.findings().forEach(f -> out.println("  finding: " + f));
        out.flush();
        return r.findingCount() == 0 ? 0 : 1;
    }

    /** Runs {@code body} on a file {@code name} in a fresh temporary folder, removed afterwards. */
    public static int inTempFile(String name, java.util.function.Function<Path, Integer> body) throws IOException {
        Path dir = Files.createTempDirectory("peft-fuzz");
        Path file = dir.resolve(name);
        try {
            return body.apply(file);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
