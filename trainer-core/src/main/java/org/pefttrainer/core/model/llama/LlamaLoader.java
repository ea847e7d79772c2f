package org.pefttrainer.core.model.llama;

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
 * Loads a Llama-family model folder into fp32 weights (F16/BF16 widened while reading). The checkpoint is checked
 * against config.json first: every missing and unexpected tensor in one error, shapes must match; a tied lm_head
 * may be absent or present; rotary inv_freq buffers that old checkpoints carry are ignored, as transformers does.
 */
public final class LlamaLoader {
    private LlamaLoader() {}

    public static LlamaModel load(HfModelFolder folder, NDManager manager) {
        LlamaConfig config = LlamaConfig.fromJson(folder.config(), folder.configFile());
        Weights weights = CheckpointLoading.read(folder, manager, (w, ckpt) -> {
            CheckpointLoading.requireMatch(folder, config.modelType(), check(ckpt, config));
            LlamaArchitecture.parameterShapes(config).forEach((name, shape) ->
                    CheckpointLoading.put(w, ckpt, name, name, shape));
            if (config.tieWordEmbeddings()) {
                w.alias("lm_head.weight", "model.embed_tokens.weight");
            }
        });
        return new LlamaModel(config, weights);
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
}
