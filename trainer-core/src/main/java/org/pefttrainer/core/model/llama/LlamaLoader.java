package org.pefttrainer.core.model.llama;

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
 * Loads a Llama-family model folder into fp32 weights (F16/BF16 widened while reading). The checkpoint is checked
 * against config.json first: every missing and unexpected tensor in one error, shapes must match; a tied lm_head
 * may be absent or present; rotary inv_freq buffers that old checkpoints carry are ignored, as transformers does.
 */
public final class LlamaLoader {
    private LlamaLoader() {}

    public static LlamaModel load(HfModelFolder folder, NDManager manager) {
        LlamaConfig config = LlamaConfig.fromJson(folder.config(), folder.configFile());
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
            return new LlamaModel(config, weights);
        }
    }

    /** [missing, unexpected] tensor names. */
    public static List<List<String>> check(CheckpointReader ckpt, LlamaConfig config) {
        Map<String, long[]> expected = LlamaArchitecture.parameterShapes(config);
        Set<String> present = ckpt.tensors().keySet();
        List<String> missing = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!present.contains(name)) {
                missing.add(name);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : present) {
            boolean tiedCopy = config.tieWordEmbeddings() && name.equals("lm_head.weight");
            if (!expected.containsKey(name) && !tiedCopy && !name.endsWith("rotary_emb.inv_freq")) {
                unexpected.add(name);
            }
        }
        return List.of(missing, unexpected);
    }

    private static void loadInto(Weights weights, CheckpointReader ckpt, LlamaConfig config, HfModelFolder folder) {
        List<List<String>> problems = check(ckpt, config);
        if (!problems.get(0).isEmpty() || !problems.get(1).isEmpty()) {
            StringBuilder sb = new StringBuilder(folder.dir() + ": checkpoint does not match the " + config.modelType()
                    + " architecture of " + HfModelFolder.CONFIG + ":");
            if (!problems.get(0).isEmpty()) {
                sb.append(" missing ").append(problems.get(0).size()).append(" tensor(s) ").append(list(problems.get(0)));
            }
            if (!problems.get(1).isEmpty()) {
                sb.append(problems.get(0).isEmpty() ? "" : ";").append(" unexpected ").append(problems.get(1).size())
                        .append(" tensor(s) ").append(list(problems.get(1)));
            }
            throw new UserException(sb.toString());
        }
        for (Map.Entry<String, long[]> e : LlamaArchitecture.parameterShapes(config).entrySet()) {
            String name = e.getKey();
            TensorInfo info = ckpt.info(name);
            if (!Arrays.equals(info.shape(), e.getValue())) {
                throw new UserException(ckpt.fileOf(name).path() + ": tensor '" + name + "' has shape "
                        + info.shapeString() + ", expected " + Arrays.toString(e.getValue()) + " from "
                        + HfModelFolder.CONFIG);
            }
            if (!info.dtype().isFloating()) {
                throw new UserException(ckpt.fileOf(name).path() + ": tensor '" + name + "' has dtype " + info.dtype()
                        + ", expected F32, F16 or BF16");
            }
            weights.put(name, NdArrays.createFloat32(weights.manager(), new Shape(e.getValue()),
                    fb -> ckpt.readAsFloat32(name, fb)));
        }
        if (config.tieWordEmbeddings()) {
            weights.alias("lm_head.weight", "model.embed_tokens.weight");
        }
    }

    private static String list(List<String> names) {
        int shown = Math.min(names.size(), 8);
        String s = String.join(", ", names.subList(0, shown));
        return "[" + s + (names.size() > shown ? ", ... " + (names.size() - shown) + " more" : "") + "]";
    }
}
