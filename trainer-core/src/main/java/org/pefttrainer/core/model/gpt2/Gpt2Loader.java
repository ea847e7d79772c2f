package org.pefttrainer.core.model.gpt2;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.TensorInfo;
import org.pefttrainer.core.model.Weights;
import org.pefttrainer.core.tensor.NdArrays;

/**
 * Loads a GPT-2 folder: checkpoints with the {@code transformer.} prefix (save_pretrained of GPT2LMHeadModel) and
 * without it (the hub's gpt2, saved from GPT2Model) load alike, into the prefixed names. The causal-mask buffers
 * old checkpoints carry (attn.bias, attn.masked_bias) and the tied lm_head are ignored, as transformers does.
 */
public final class Gpt2Loader {
    private static final String PREFIX = "transformer.";

    private Gpt2Loader() {}

    public static Gpt2Model load(HfModelFolder folder, NDManager manager) {
        Gpt2Config config = Gpt2Config.fromJson(folder.config(), folder.configFile());
        try (CheckpointReader ckpt = folder.openWeights()) {
            Weights weights = new Weights(manager);
            try {
                loadInto(weights, ckpt, config, folder);
            } catch (RuntimeException e) {
                weights.close();
                throw e;
            } finally {
                NdArrays.releaseScratch();
            }
            return new Gpt2Model(config, weights);
        }
    }

    /** Whether the checkpoint names its tensors without "transformer." (the hub's gpt2). */
    static boolean unprefixed(Set<String> present) {
        return !present.contains(PREFIX + "wte.weight") && present.contains("wte.weight");
    }

    /** [missing, unexpected], in the prefixed names. */
    public static List<List<String>> check(CheckpointReader ckpt, Gpt2Config config) {
        Set<String> present = ckpt.tensors().keySet();
        boolean bare = unprefixed(present);
        Map<String, long[]> expected = Gpt2Architecture.parameterShapes(config);
        List<String> missing = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!present.contains(bare ? name.substring(PREFIX.length()) : name)) {
                missing.add(name);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String stored : present) {
            String name = bare ? PREFIX + stored : stored;
            boolean ignored = name.equals("lm_head.weight") || name.endsWith(".attn.bias")
                    || name.endsWith(".attn.masked_bias") || stored.equals("lm_head.weight");
            if (!expected.containsKey(name) && !ignored) {
                unexpected.add(stored);
            }
        }
        return List.of(missing, unexpected);
    }

    private static void loadInto(Weights weights, CheckpointReader ckpt, Gpt2Config config, HfModelFolder folder) {
        List<List<String>> problems = check(ckpt, config);
        if (!problems.get(0).isEmpty() || !problems.get(1).isEmpty()) {
            throw new UserException(folder.dir() + ": checkpoint does not match the gpt2 architecture of "
                    + HfModelFolder.CONFIG + ":" + (problems.get(0).isEmpty() ? "" : " missing " + problems.get(0))
                    + (problems.get(1).isEmpty() ? "" : " unexpected " + problems.get(1)));
        }
        boolean bare = unprefixed(ckpt.tensors().keySet());
        for (Map.Entry<String, long[]> e : Gpt2Architecture.parameterShapes(config).entrySet()) {
            String name = e.getKey();
            String stored = bare ? name.substring(PREFIX.length()) : name;
            TensorInfo info = ckpt.info(stored);
            if (!Arrays.equals(info.shape(), e.getValue())) {
                throw new UserException(ckpt.fileOf(stored).path() + ": tensor '" + stored + "' has shape "
                        + info.shapeString() + ", expected " + Arrays.toString(e.getValue()) + " from "
                        + HfModelFolder.CONFIG + " (Conv1D weights are stored [in, out])");
            }
            if (!info.dtype().isFloating()) {
                throw new UserException(ckpt.fileOf(stored).path() + ": tensor '" + stored + "' has dtype "
                        + info.dtype() + ", expected F32, F16 or BF16");
            }
            weights.put(name, NdArrays.createFloat32(weights.manager(), new Shape(e.getValue()),
                    fb -> ckpt.readAsFloat32(stored, fb)));
        }
        weights.alias("lm_head.weight", "transformer.wte.weight");
    }
}
