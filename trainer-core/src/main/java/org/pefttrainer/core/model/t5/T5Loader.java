package org.pefttrainer.core.model.t5;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
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
 * Loads a T5 model folder into fp32 weights on {@code manager}'s device. The checkpoint's tensors are checked
 * against the architecture first: every missing and every unexpected tensor is listed in one error, and shapes
 * must match. Tied copies (encoder/decoder embed_tokens, lm_head when tied) may be absent or present.
 */
public final class T5Loader {
    /** Tensors old checkpoints carry that transformers ignores on load as well. */
    private static final Set<String> IGNORED =
            Set.of("decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight");

    private T5Loader() {}

    public static T5Model load(HfModelFolder folder, NDManager manager, Double dropoutOverride) {
        return load(folder, manager, Map.of(), dropoutOverride);
    }

    /** Loads with config.json keys replaced by {@code configOverrides} (model.config_overrides) before parsing. */
    public static T5Model load(HfModelFolder folder, NDManager manager, Map<String, Object> configOverrides,
            Double dropoutOverride) {
        com.fasterxml.jackson.databind.node.ObjectNode json = folder.config().deepCopy();
        configOverrides.forEach((k, v) -> json.set(k, org.pefttrainer.core.io.Json.MAPPER.valueToTree(v)));
        T5Config config = T5Config.fromJson(json, folder.configFile());
        if (dropoutOverride != null) {
            config = config.withDropoutRate(dropoutOverride);
        }
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
            return new T5Model(config, weights);
        }
    }

    /** The tensor-name check on its own (used by {@code inspect}): [missing, unexpected]. */
    public static List<List<String>> check(CheckpointReader ckpt, T5Config config) {
        Map<String, long[]> expected = T5Architecture.parameterShapes(config);
        Set<String> present = ckpt.tensors().keySet();
        List<String> missing = new ArrayList<>();
        boolean hasEmbedding = T5Architecture.EMBEDDING_NAMES.stream().anyMatch(present::contains);
        for (String name : expected.keySet()) {
            if (name.equals("shared.weight") ? !hasEmbedding : !present.contains(name)) {
                missing.add(name);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : present) {
            boolean tiedCopy = T5Architecture.EMBEDDING_NAMES.contains(name)
                    || (config.tieWordEmbeddings() && name.equals("lm_head.weight"));
            if (!expected.containsKey(name) && !tiedCopy && !IGNORED.contains(name)) {
                unexpected.add(name);
            }
        }
        return List.of(missing, unexpected);
    }

    private static void loadInto(Weights weights, CheckpointReader ckpt, T5Config config, HfModelFolder folder) {
        List<List<String>> problems = check(ckpt, config);
        if (!problems.get(0).isEmpty() || !problems.get(1).isEmpty()) {
            StringBuilder sb = new StringBuilder(folder.dir() + ": checkpoint does not match " + "the T5 architecture of "
                    + HfModelFolder.CONFIG + ":");
            if (!problems.get(0).isEmpty()) {
                sb.append(" missing ").append(problems.get(0).size()).append(" tensor(s) ").append(list(problems.get(0)));
            }
            if (!problems.get(1).isEmpty()) {
                sb.append(problems.get(0).isEmpty() ? "" : ";").append(" unexpected ").append(problems.get(1).size())
                        .append(" tensor(s) ").append(list(problems.get(1)));
            }
            throw new UserException(sb.toString());
        }
        Set<String> present = new LinkedHashSet<>(ckpt.tensors().keySet());
        for (Map.Entry<String, long[]> e : T5Architecture.parameterShapes(config).entrySet()) {
            String target = e.getKey();
            String source = target;
            if (target.equals("shared.weight")) {
                source = T5Architecture.EMBEDDING_NAMES.stream().filter(present::contains).findFirst().orElseThrow();
            }
            TensorInfo info = ckpt.info(source);
            if (!Arrays.equals(info.shape(), e.getValue())) {
                throw new UserException(ckpt.fileOf(source).path() + ": tensor '" + source + "' has shape "
                        + info.shapeString() + ", expected " + Arrays.toString(e.getValue()) + " from "
                        + HfModelFolder.CONFIG);
            }
            if (!info.dtype().isFloating()) {
                throw new UserException(ckpt.fileOf(source).path() + ": tensor '" + source + "' has dtype "
                        + info.dtype() + ", expected F32, F16 or BF16");
            }
            final String src = source;
            weights.put(target, NdArrays.createFloat32(weights.manager(), new Shape(e.getValue()),
                    fb -> ckpt.readAsFloat32(src, fb)));
        }
        weights.alias("encoder.embed_tokens.weight", "shared.weight");
        weights.alias("decoder.embed_tokens.weight", "shared.weight");
        if (config.tieWordEmbeddings()) {
            weights.alias("lm_head.weight", "shared.weight");
        }
    }

    private static String list(List<String> names) {
        int shown = Math.min(names.size(), 8);
        String s = String.join(", ", names.subList(0, shown));
        return "[" + s + (names.size() > shown ? ", ... " + (names.size() - shown) + " more" : "") + "]";
    }
}
