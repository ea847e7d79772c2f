package org.pefttrainer.core.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.pefttrainer.core.UserException;

/**
 * The one rule for every command that writes a folder or a file the user named:
 * <ul>
 *   <li>never into, over or inside an input (base model, adapter, dataset, input file), nor an input inside it;</li>
 *   <li>never inside a training run folder (its checkpoints, metrics and adapter belong to that run);</li>
 *   <li>an existing output needs {@code --force}, and {@code --force} replaces only a folder this tool wrote for the
 *       same purpose. It knows by the marker file {@value #MARKER} that it puts in every folder it writes for a
 *       command (kind and tool in JSON); a file output is replaced only if it is a regular file.</li>
 * </ul>
 * The checks run before any work, so a refused command costs nothing; folders are written under a temporary name and
 * renamed into place ({@link AtomicFiles}), so a failed command leaves the old output as it was.
 */
public final class OutputTarget {
    /** Marker in every folder a command writes: how {@code --force} knows the folder is ours. */
    public static final String MARKER = ".peft-output.json";
    private static final String TOOL = "peft-trainer";

    /** What a folder holds; --force replaces a folder only with one of the same kind. */
    public enum Kind {
        RUN("run", "training run folder"),
        EVAL("eval", "eval output folder"),
        MERGED_MODEL("merged-model", "merged model folder"),
        MODEL("model", "model folder (init-model)"),
        ADAPTER("adapter", "adapter folder");

        private final String id;
        private final String description;

        Kind(String id, String description) {
            this.id = id;
            this.description = description;
        }

        public String id() {
            return id;
        }

        public String description() {
            return description;
        }

        static Optional<Kind> ofId(String id) {
            for (Kind k : values()) {
                if (k.id.equals(id)) {
                    return Optional.of(k);
                }
            }
            return Optional.empty();
        }
    }

    /** An input of the command: the option or key that names it, and its path. */
    public record Input(String name, Path path) {}

    private final Path path;
    private final Kind kind;
    private final boolean replace;

    private OutputTarget(Path path, Kind kind, boolean replace) {
        this.path = path;
        this.kind = kind;
        this.replace = replace;
    }

    public Path path() {
        return path;
    }

    /**
     * Checks a folder output named by {@code option} (e.g. "--out") against the rule, now, before any work.
     * {@code inputs} with a null path are ignored.
     */
    public static OutputTarget folder(Path out, String option, Kind kind, boolean force, List<Input> inputs) {
        refuseOverlap(out, option, inputs);
        refuseInsideRun(out, option);
        boolean exists = Files.exists(out, LinkOption.NOFOLLOW_LINKS);
        if (exists && isEmptyFolder(out)) {
            return new OutputTarget(out, kind, true); // nothing in it to lose
        }
        if (exists) {
            if (!Files.isDirectory(out)) {
                throw new UserException(option + " " + out + ": is a file, not a folder; choose another path");
            }
            Optional<Kind> found = kindOf(out);
            if (found.isPresent() && found.get() == Kind.RUN && kind != Kind.RUN) {
                throw new UserException(option + " " + out + ": is a training run folder (its checkpoints, metrics"
                        + " and adapter would be lost); choose another path");
            }
            if (!force) {
                throw new UserException(out + ": already exists (use --force to replace it)");
            }
            if (found.isEmpty()) {
                throw new UserException(option + " " + out + ": --force replaces only a folder peft wrote (it has no "
                        + MARKER + " marker); remove it yourself or choose another path");
            }
            if (found.get() != kind) {
                throw new UserException(option + " " + out + ": is a " + found.get().description() + ", not a "
                        + kind.description() + "; --force replaces only a folder of the same kind");
            }
        }
        requireWritableParent(out, option);
        return new OutputTarget(out, kind, exists);
    }

    /** The placement part of the rule alone (not an input, not inside a run), for a folder a command fills itself. */
    public static void checkPlacement(Path out, String option, List<Input> inputs) {
        refuseOverlap(out, option, inputs);
        refuseInsideRun(out, option);
        requireWritableParent(out, option);
    }

    /** Checks a file output: not an input, not inside an input or a run, existing only with force and as a file. */
    public static OutputTarget file(Path out, String option, boolean force, List<Input> inputs) {
        refuseOverlap(out, option, inputs);
        refuseInsideRun(out, option);
        boolean exists = Files.exists(out, LinkOption.NOFOLLOW_LINKS);
        if (exists) {
            if (!Files.isRegularFile(out, LinkOption.NOFOLLOW_LINKS)) {
                throw new UserException(option + " " + out + ": is a folder or special file, not a regular file;"
                        + " choose another path");
            }
            if (!force) {
                throw new UserException(out + ": already exists (use --force to replace it)");
            }
        }
        requireWritableParent(out, option);
        return new OutputTarget(out, null, exists);
    }

    /** Builds the folder under a temporary name, adds the marker, and renames it into place (replacing the old). */
    public void writeFolder(AtomicFiles.PathWriter writer) {
        if (kind == null) {
            throw new IllegalStateException("not a folder target: " + path);
        }
        AtomicFiles.writeDirectory(path, replace, tmp -> {
            writer.write(tmp);
            Json.write(tmp.resolve(MARKER), marker(kind));
        });
    }

    /** Puts the marker of {@code kind} in an existing folder (a run folder, written piece by piece). */
    public static void mark(Path dir, Kind kind) {
        AtomicFiles.writeString(dir.resolve(MARKER), marker(kind).toPrettyString() + "\n");
    }

    private static ObjectNode marker(Kind kind) {
        return Json.MAPPER.createObjectNode().put("written_by", TOOL).put("kind", kind.id());
    }

    /**
     * What peft wrote {@code dir} as: its marker, or for folders from before the marker, a run (config.conf and
     * metrics.jsonl) or an eval output (config.conf, predictions.jsonl and metrics.json).
     */
    public static Optional<Kind> kindOf(Path dir) {
        Path m = dir.resolve(MARKER);
        if (Files.isRegularFile(m)) {
            try {
                JsonNode n = Json.MAPPER.readTree(Files.readString(m));
                if (TOOL.equals(n.path("written_by").asText())) {
                    return Kind.ofId(n.path("kind").asText());
                }
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
            return Optional.empty();
        }
        if (Files.isRegularFile(dir.resolve("config.conf"))) {
            if (Files.isRegularFile(dir.resolve("metrics.jsonl"))) {
                return Optional.of(Kind.RUN);
            }
            if (Files.isRegularFile(dir.resolve("predictions.jsonl")) && Files.isRegularFile(dir.resolve("metrics.json"))) {
                return Optional.of(Kind.EVAL);
            }
        }
        return Optional.empty();
    }

    private static boolean isEmptyFolder(Path p) {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (java.util.stream.Stream<Path> s = Files.list(p)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** out equal to, inside, or containing an input. */
    private static void refuseOverlap(Path out, String option, List<Input> inputs) {
        Path o = canonical(out);
        for (Input in : inputs) {
            if (in == null || in.path() == null) {
                continue;
            }
            Path i = canonical(in.path());
            if (o.equals(i)) {
                throw new UserException(option + " " + out + ": is the input " + in.name() + " " + in.path()
                        + "; an output never replaces an input: choose another path");
            }
            if (o.startsWith(i)) {
                throw new UserException(option + " " + out + ": lies inside the input " + in.name() + " "
                        + in.path() + "; an output is never written into an input: choose another path");
            }
            if (i.startsWith(o)) {
                throw new UserException(option + " " + out + ": contains the input " + in.name() + " "
                        + in.path() + "; choose another path");
            }
        }
    }

    private static void refuseInsideRun(Path out, String option) {
        for (Path p = canonical(out).getParent(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p) && kindOf(p).filter(k -> k == Kind.RUN).isPresent()) {
                throw new UserException(option + " " + out + ": lies inside the training run folder " + p
                        + " (its checkpoints, metrics and adapter belong to that run); choose a path outside it");
            }
        }
    }

    /** The nearest existing ancestor must be a writable folder: checked before the work, not after it. */
    private static void requireWritableParent(Path out, String option) {
        Path p = out.toAbsolutePath().normalize().getParent();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return;
        }
        if (!Files.isDirectory(p)) {
            throw new UserException(option + " " + out + ": " + p + " is a file, so nothing can be written under it");
        }
        if (!Files.isWritable(p)) {
            throw new UserException(option + " " + out + ": cannot write in " + p + " (permission denied)");
        }
    }

    /** The real path of the nearest existing ancestor (links resolved) with the rest appended. */
    static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        List<Path> rest = new ArrayList<>();
        Path cur = abs;
        while (cur != null && !Files.exists(cur)) {
            rest.add(0, cur.getFileName());
            cur = cur.getParent();
        }
        if (cur == null) {
            return abs;
        }
        try {
            Path real = cur.toRealPath();
            for (Path r : rest) {
                real = real.resolve(r);
            }
            return real;
        } catch (IOException e) {
            return abs;
        }
    }
}
