package org.pefttrainer.core.model.t5;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.CheckpointLoading;
import org.pefttrainer.core.model.Weights;

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
        // With overrides, errors name them: the values no longer come from config.json alone.
        String described = folder.configFile() + (configOverrides.isEmpty() ? ""
                : " with model.config_overrides " + configOverrides);
        T5Config config = T5Config.fromJson(json, Path.of(described));
        if (dropoutOverride != null) {
            config = config.withDropoutRate(dropoutOverride);
        }
        T5Config cfg = config;
        try {
            Weights weights = CheckpointLoading.read(folder, manager, (w, ckpt) -> loadInto(w, ckpt, cfg, folder));
            return new T5Model(config, weights);
        } catch (UserException e) {
            if (configOverrides.isEmpty()) {
                throw e;
            }
            throw new UserException(e.getMessage().replace(" from " + HfModelFolder.CONFIG, " from " + described)
                    + " (model.config_overrides may not change the shape of the checkpoint's tensors)", e);
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
        CheckpointLoading.requireMatch(folder, "T5", check(ckpt, config));
        Set<String> present = new LinkedHashSet<>(ckpt.tensors().keySet());
        for (Map.Entry<String, long[]> e : T5Architecture.parameterShapes(config).entrySet()) {
            String target = e.getKey();
            String source = target;
            if (target.equals("shared.weight")) {
                source = T5Architecture.EMBEDDING_NAMES.stream().filter(present::contains).findFirst().orElseThrow();
            }
            CheckpointLoading.put(weights, ckpt, source, target, e.getValue());
        }
        weights.alias("encoder.embed_tokens.weight", "shared.weight");
        weights.alias("decoder.embed_tokens.weight", "shared.weight");
        if (config.tieWordEmbeddings()) {
            weights.alias("lm_head.weight", "shared.weight");
        }
    }
}
