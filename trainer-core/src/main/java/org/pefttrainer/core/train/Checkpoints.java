package org.pefttrainer.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.tensor.NdArrays;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.io.safetensors.SafetensorsWriter;

/**
 * Resumable checkpoints in the run folder: {@code epoch-N/} after each epoch and {@code step-N/} on an interrupt,
 * each holding the user-facing result ({@code adapter/}), the raw trainable arrays, the AdamW state and
 * trainer_state.json. A checkpoint folder is built under a temporary name and renamed when complete, so a kill -9 in
 * the middle leaves the previous checkpoint intact and no half-written one that looks complete.
 */
public final class Checkpoints {
    public static final String PARAMS = "trainable.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String ADAPTER_DIR = "adapter";
    private static final Pattern NAME = Pattern.compile("(epoch|step)-(\\d+)");

    private Checkpoints() {}

    public static Path save(Path runDir, String name, CheckpointState state, Trainable trainable, AdamW optimizer) {
        Path target = runDir.resolve(name);
        AtomicFiles.writeDirectory(target, true, tmp -> {
            Path adapter = tmp.resolve(ADAPTER_DIR);
            Files.createDirectories(adapter);
            trainable.saveTo(adapter);
            writeArrays(trainable.parameters(), tmp.resolve(PARAMS), Map.of("step", String.valueOf(state.globalStep())));
            writeArrays(optimizer.state(), tmp.resolve(OPTIMIZER), Map.of("step", String.valueOf(optimizer.step())));
            Json.write(tmp.resolve(CheckpointState.FILE), state.toJson());
        });
        return target;
    }

    /**
     * The complete checkpoint furthest along, if any: most optimizer updates, then the later position (an epoch-N
     * written after resuming from an interrupt at the end of epoch N has the same updates as that step-M, but is past
     * the epoch's end work).
     */
    public static Optional<Path> latest(Path runDir) {
        return latest(runDir, w -> { });
    }

    /**
     * The furthest complete checkpoint; one whose trainer_state.json cannot be read is passed over with a warning
     * naming it and what is wrong, so a resume never silently goes back further than the user expects.
     */
    public static Optional<Path> latest(Path runDir, java.util.function.Consumer<String> warnings) {
        return readable(runDir, warnings).stream()
                .max(Comparator.comparingInt((Map.Entry<Path, CheckpointState> e) -> e.getValue().globalStep())
                        .thenComparingInt(e -> e.getValue().epoch())
                        .thenComparingInt(e -> e.getValue().batchIndex()))
                .map(Map.Entry::getKey);
    }

    /** Every complete epoch-N / step-N folder with its state, each read once; unreadable ones go to warnings. */
    private static List<Map.Entry<Path, CheckpointState>> readable(Path runDir,
            java.util.function.Consumer<String> warnings) {
        List<Map.Entry<Path, CheckpointState>> valid = new java.util.ArrayList<>();
        if (!Files.isDirectory(runDir)) {
            return valid;
        }
        try (Stream<Path> s = Files.list(runDir)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                if (!NAME.matcher(p.getFileName().toString()).matches()
                        || !Files.isRegularFile(p.resolve(CheckpointState.FILE))) {
                    continue;
                }
                try {
                    valid.add(Map.entry(p, CheckpointState.read(p.resolve(CheckpointState.FILE))));
                } catch (UserException e) {
                    warnings.accept("warning: skipping checkpoint " + p + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return valid;
    }

    /** Restores parameters and optimizer state in place; returns the saved position. */
    public static CheckpointState restore(Path checkpoint, Trainable trainable, AdamW optimizer) {
        CheckpointState state = CheckpointState.read(checkpoint.resolve(CheckpointState.FILE));
        try (SafetensorsReader r = SafetensorsReader.open(checkpoint.resolve(PARAMS))) {
            for (Map.Entry<String, NDArray> e : trainable.parameters().entrySet()) {
                if (!r.contains(e.getKey())) {
                    throw new UserException(checkpoint.resolve(PARAMS) + ": no tensor '" + e.getKey()
                            + "' (the checkpoint was made with a different adapter configuration)");
                }
                NDArray p = e.getValue();
                float[] values = r.readAsFloat32(e.getKey());
                if (values.length != p.getShape().size()) {
                    throw new UserException(checkpoint.resolve(PARAMS) + ": tensor '" + e.getKey() + "' has "
                            + values.length + " values, expected shape " + p.getShape());
                }
                NdArrays.overwrite(p, values);
            }
        }
        Map<String, float[]> opt = new LinkedHashMap<>();
        int optStep;
        try (SafetensorsReader r = SafetensorsReader.open(checkpoint.resolve(OPTIMIZER))) {
            for (String name : r.tensors().keySet()) {
                opt.put(name, r.readAsFloat32(name));
            }
            optStep = Integer.parseInt(r.metadata().getOrDefault("step", String.valueOf(state.globalStep())));
        }
        optimizer.restore(optStep, opt, trainable.parameters());
        return state;
    }

    /** Removes the oldest epoch-N / step-N folders beyond {@code keep} (0 or less keeps all). */
    public static void prune(Path runDir, int keep, Path protect) {
        if (keep <= 0) {
            return;
        }
        // An unreadable checkpoint is left for the user to look at.
        List<Path> all = readable(runDir, w -> { }).stream()
                .sorted(Comparator.comparingInt((Map.Entry<Path, CheckpointState> e) -> e.getValue().globalStep()))
                .map(Map.Entry::getKey).toList();
        for (int i = 0; i < all.size() - keep; i++) {
            if (!all.get(i).equals(protect)) {
                AtomicFiles.deleteRecursively(all.get(i));
            }
        }
    }

    /** Deletes every complete step-N folder but {@code keep} (null: all of them); a later checkpoint replaces them. */
    public static void pruneSteps(Path runDir, Path keep) {
        try (Stream<Path> s = Files.list(runDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith("step-") && NAME.matcher(n).matches() && !p.equals(keep)) {
                    AtomicFiles.deleteRecursively(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes temp folders left by a kill during a checkpoint write. */
    public static void cleanTemporaries(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            return;
        }
        try (Stream<Path> s = Files.list(runDir)) {
            s.filter(p -> p.getFileName().toString().startsWith(".")
                    && (p.getFileName().toString().contains(".tmp-") || p.getFileName().toString().contains(".old-")))
                    .forEach(AtomicFiles::deleteRecursively);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeArrays(Map<String, NDArray> arrays, Path file, Map<String, String> metadata) {
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            NDArray a = e.getValue();
            w.addFloats(e.getKey(), DType.F32, a.getShape().getShape(),
                    () -> FloatBuffer.wrap(a.toType(DataType.FLOAT32, false).toFloatArray()));
        }
        w.write(file);
    }
}
