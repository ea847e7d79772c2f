package org.pefttrainer.core.model.gpt2;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.CheckpointLoading;
import org.pefttrainer.core.model.Weights;

/**
 * Loads a GPT-2 folder: checkpoints with the {@code transformer.} prefix (save_pretrained of GPT2LMHeadModel) and
 * without it (the hub's gpt2, saved from GPT2Model) load alike, into the prefixed names. The causal-mask buffers
 * old checkpoints carry (attn.bias, attn.masked_bias) and the tied lm_head are ignored, as transformers does.
 */
public final class Gpt2Loader {
    static final String PREFIX = "transformer.";

    private Gpt2Loader() {}

    public static Gpt2Model load(HfModelFolder folder, NDManager manager) {
        Gpt2Config config = Gpt2Config.fromJson(folder.config(), folder.configFile());
        Weights weights = CheckpointLoading.read(folder, manager, (w, ckpt) -> {
            CheckpointLoading.requireMatch(folder, "gpt2", check(ckpt, config));
            boolean bare = unprefixed(ckpt.tensors().keySet());
            Gpt2Architecture.parameterShapes(config).forEach((name, shape) ->
                    CheckpointLoading.put(w, ckpt, bare ? name.substring(PREFIX.length()) : name, name, shape));
            w.alias("lm_head.weight", "transformer.wte.weight");
        });
        return new Gpt2Model(config, weights);
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
}
