package org.pefttrainer.peft.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfCheckpointWriter;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsWriter;
import org.pefttrainer.core.io.safetensors.TensorInfo;
import org.pefttrainer.core.model.registry.Architectures;

/**
 * Writes base model + merged LoRA update as a complete Hugging Face model folder: every tensor of the base checkpoint
 * (same names, same order), the targeted ones with {@code W + scaling·B·A}; safetensors sharded with
 * model.safetensors.index.json above {@code maxShardBytes}; config.json (torch_dtype set to the output dtype) and
 * every other file of the base folder (tokenizer files, generation_config.json, ...) copied.
 *
 * <p>Streaming: tensors are read one at a time from the memory-mapped base checkpoint (each mapping dropped once
 * read); targeted ones are merged as fp32 arrays and encoded to the output dtype (16-bit types round to
 * nearest-even from fp32), untouched ones are copied byte for byte, file to file, when the dtype stays (else converted via fp32).
 * Memory holds about one tensor at a time plus the adapter, never the model. The folder is built under a temporary name and renamed into place at
 * the end; an existing output folder is replaced only with {@code force}.
 */
public final class MergedModelWriter {
    /** What was written. */
    public record Result(Path dir, List<String> weightFiles, List<String> copiedFiles, int tensors,
            Set<String> mergedTensors, DType dtype, long weightBytes) {}

    private MergedModelWriter() {}

    /** The checkpoint's storage dtype when all its float tensors share one, else F32. */
    public static DType storedDtype(HfModelFolder base) {
        try (CheckpointReader ckpt = base.openWeights()) {
            Set<DType> types = new LinkedHashSet<>();
            ckpt.tensors().values().forEach(t -> types.add(t.dtype()));
            return types.size() == 1 && types.iterator().next().isFloating() ? types.iterator().next() : DType.F32;
        }
    }

    public static Result write(HfModelFolder base, LoraMerger merger, Path out, DType dtype, long maxShardBytes,
            boolean force) {
        return write(base, merger, out, dtype, maxShardBytes, force, null);
    }

    /** {@code name} without the family's optional prefix (GPT-2's "transformer."), if it has it. */
    private static String unprefixed(String name, String prefix) {
        return !prefix.isEmpty() && name.startsWith(prefix) ? name.substring(prefix.length()) : name;
    }

    /**
     * The name the merger knows {@code stored} by, or null when no adapter changes it: some checkpoints of a family
     * leave out a prefix that adapters and layouts use (the hub's gpt2, saved from GPT2Model).
     */
    private static String moduleName(LoraMerger merger, String stored, String prefix) {
        if (merger.targets(stored)) {
            return stored;
        }
        return !prefix.isEmpty() && merger.targets(prefix + stored) ? prefix + stored : null;
    }

    /**
     * Like {@link #write(HfModelFolder, LoraMerger, Path, DType, long, boolean)}; {@code beforeRename} (may be null)
     * runs on the complete temporary folder before it is renamed into place: when it throws, nothing is written.
     */
    public static Result write(HfModelFolder base, LoraMerger merger, Path out, DType dtype, long maxShardBytes,
            boolean force, AtomicFiles.PathWriter beforeRename) {
        return write(base, merger, OutputTarget.folder(out, "--out", OutputTarget.Kind.MERGED_MODEL, force,
                List.of(new OutputTarget.Input("--base", base.dir()))), dtype, maxShardBytes, beforeRename);
    }

    /** Writes into a target the caller checked against all its inputs (see {@link OutputTarget}). */
    public static Result write(HfModelFolder base, LoraMerger merger, OutputTarget destination, DType dtype,
            long maxShardBytes, AtomicFiles.PathWriter beforeRename) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new UserException("output dtype " + dtype + " is not supported (f32, f16 or bf16)");
        }
        Path out = destination.path();
        String prefix = Architectures.of(base).optionalNamePrefix();
        try (CheckpointReader ckpt = base.openWeights()) {
            for (String w : merger.targetedWeights()) {
                if (!ckpt.contains(w) && !ckpt.contains(unprefixed(w, prefix))) {
                    throw new UserException(base.dir() + ": the checkpoint has no tensor '" + w + "', which adapter '"
                            + merger.adapter().name() + "' changes");
                }
            }
            List<HfCheckpointWriter.Tensor> tensors = new ArrayList<>();
            ValueBuffers buffers = new ValueBuffers();
            long bytes = 0;
            for (TensorInfo t : ckpt.tensors().values()) {
                if (!t.dtype().isFloating()) {
                    throw new UserException(ckpt.fileOf(t.name()).path() + ": tensor '" + t.name() + "' has dtype "
                            + t.dtype() + "; merging supports floating-point checkpoints only");
                }
                String name = t.name();
                String module = moduleName(merger, name, prefix);
                if (module != null) {
                    tensors.add(new HfCheckpointWriter.Tensor(name, t.shape(),
                            () -> FloatBuffer.wrap(merger.merge(module, buffers.read(ckpt, t)))));
                } else {
                    // Unchanged: its stored bytes are copied when the dtype stays, else it is converted via fp32.
                    tensors.add(new HfCheckpointWriter.Tensor(name, t.shape(), () -> FloatBuffer.wrap(
                            buffers.read(ckpt, t)), t.dtype(),
                            (SafetensorsWriter.ChannelData) target -> ckpt.transferRawBytes(name, target)));
                }
                bytes += t.numElements() * dtype.bytes();
            }
            List<String> copied = new ArrayList<>();
            List<String> weightFiles = new ArrayList<>();
            ObjectNode config = base.config().deepCopy();
            config.put("torch_dtype", torchDtype(dtype));
            destination.writeFolder(tmp -> {
                weightFiles.addAll(HfCheckpointWriter.write(tmp, tensors, dtype, maxShardBytes));
                Json.write(tmp.resolve(HfModelFolder.CONFIG), config);
                copied.addAll(copySideFiles(base.dir(), tmp));
                if (beforeRename != null) {
                    beforeRename.write(tmp);
                }
            });
            return new Result(out, weightFiles, copied, tensors.size(), merger.targetedWeights(), dtype, bytes);
        }
    }

    /**
     * One fp32 array per tensor size, reused: the writer encodes a tensor before asking for the next, so a tensor's
     * values can go into the array the previous tensor of that size used. Keeps the heap at a few tensors instead of
     * a stream of garbage the collector may let grow.
     */
    private static final class ValueBuffers {
        private final java.util.Map<Integer, float[]> bySize = new java.util.HashMap<>();

        float[] read(CheckpointReader ckpt, TensorInfo t) {
            float[] buf = bySize.computeIfAbsent(Math.toIntExact(t.numElements()), float[]::new);
            ckpt.readAsFloat32(t.name(), FloatBuffer.wrap(buf));
            return buf;
        }
    }

    /** transformers' name of the dtype, as config.json's torch_dtype holds it. */
    static String torchDtype(DType d) {
        return switch (d) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> throw new IllegalArgumentException(d.toString());
        };
    }

    /** Every regular file of the base folder except its weights and config.json: tokenizer, generation config... */
    private static List<String> copySideFiles(Path from, Path to) throws IOException {
        List<String> copied = new ArrayList<>();
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                String n = f.getFileName().toString();
                if (!Files.isRegularFile(f) || n.startsWith(".") || isWeightFile(n) || n.equals(HfModelFolder.CONFIG)) {
                    continue;
                }
                Files.copy(f, to.resolve(n));
                copied.add(n);
            }
        }
        return copied;
    }

    private static boolean isWeightFile(String n) {
        String l = n.toLowerCase(Locale.ROOT);
        return l.endsWith(".safetensors") || l.equals(HfModelFolder.INDEX) || l.startsWith("pytorch_model")
                || l.endsWith(".bin") || l.endsWith(".pt") || l.endsWith(".ckpt") || l.endsWith(".h5")
                || l.endsWith(".msgpack");
    }
}
