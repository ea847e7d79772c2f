package org.pefttrainer.peft.prompt;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.peft.adapter.AdapterFolder;
import org.pefttrainer.peft.adapter.AdapterTensors;
import org.pefttrainer.peft.adapter.ConfigReader;

/**
 * Reads a prompt-tuning adapter folder: one tensor {@code prompt_embeddings} of shape
 * [num_virtual_tokens × num_transformer_submodules, token_dim], with token_dim equal to the base model's hidden size.
 */
public final class SoftPromptReader {
    private SoftPromptReader() {}

    public static SoftPrompt read(Path dir, ConfigReader configJson, LanguageModel base, NDManager manager,
            String name) {
        PromptTuningConfig config = PromptTuningConfig.fromJson(configJson);
        String task = base.taskType().peftName();
        if (!config.taskType().equals(task)) {
            // PEFT would wrap the base in the other PeftModel class: the prompt was trained for another kind of model
            throw configJson.error("task_type", "is '" + config.taskType() + "', expected '" + task + "' (the base "
                    + base.architecture() + " is " + (task.equals(PromptTuningConfig.CAUSAL) ? "a decoder-only"
                    : "an encoder-decoder") + " model)");
        }
        if (config.tokenDim() != base.hiddenSize()) {
            throw configJson.error("token_dim", "is " + config.tokenDim() + ", but the base model's hidden size is "
                    + base.hiddenSize());
        }
        try (AdapterTensors file = AdapterFolder.openWeights(dir)) {
            for (String key : file.tensors().keySet()) {
                if (!key.equals(SoftPrompt.KEY)) {
                    throw new UserException(file.path() + ": unexpected tensor '" + key + "' (a prompt-tuning adapter "
                            + "holds only '" + SoftPrompt.KEY + "')");
                }
            }
            if (!file.contains(SoftPrompt.KEY)) {
                throw new UserException(file.path() + ": no tensor '" + SoftPrompt.KEY + "' (expected the prompt "
                        + "table of a prompt-tuning adapter)");
            }
            AdapterTensors.Info t = file.info(SoftPrompt.KEY);
            long[] expected = {config.totalVirtualTokens(), config.tokenDim()};
            if (!Arrays.equals(t.shape(), expected)) {
                throw new UserException(file.path() + ": tensor '" + SoftPrompt.KEY + "' has shape " + t.shapeString()
                        + ", expected " + Arrays.toString(expected) + " (num_virtual_tokens " + config.numVirtualTokens()
                        + " × num_transformer_submodules " + config.numTransformerSubmodules() + ", token_dim "
                        + config.tokenDim() + " from " + AdapterFolder.CONFIG + ")");
            }
            if (!t.dtype().isFloating()) {
                throw new UserException(file.path() + ": tensor '" + SoftPrompt.KEY + "' has dtype " + t.dtype()
                        + ", expected F32, F16 or BF16");
            }
            return SoftPrompt.build(name, config, file.readFinite(SoftPrompt.KEY), manager);
        }
    }
}
