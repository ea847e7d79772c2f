package org.pefttrainer.core.model;

import java.util.List;

/** What every model family shares: the vocabulary, the weights by Hugging Face name, and the hooked projections. */
public interface LanguageModel {
    /** The transformers class name, e.g. T5ForConditionalGeneration, LlamaForCausalLM. */
    String architecture();

    TaskType taskType();

    int vocabSize();

    int hiddenSize();

    /** config.json's layer count as PEFT's prompt-learning config reads it (T5: the encoder's num_layers). */
    int numHiddenLayers();

    /** config.json's attention head count (num_attention_heads, n_head, num_heads), as PEFT reads it. */
    int numAttentionHeads();

    int eosTokenId();

    /** The pad id (-1: config.json has none). */
    int padTokenId();

    Weights weights();

    /** Every projection that goes through the {@link LinearHook}, by module name, model order. */
    List<String> linearModules();

    String inputEmbeddingName();

    /** The embedding modules whose lookup goes through the linear hook ({@link ForwardContext#embedding}). */
    default List<String> embeddingModules() {
        return List.of();
    }

    /**
     * PEFT's LoRA target_modules for this architecture when a config gives none
     * (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING); empty: PEFT has no default.
     */
    default List<String> defaultLoraTargets() {
        return List.of();
    }

    /** The linear modules stored [in, out] (GPT-2's Conv1D); none for nn.Linear models. */
    default java.util.Set<String> conv1dModules() {
        return java.util.Set.of();
    }

    /**
     * The config.json a full fine-tune of this model saves, given the folder's: the same unless loading changed
     * settings (T5 applies model.config_overrides and model.dropout).
     */
    default com.fasterxml.jackson.databind.node.ObjectNode configJson(
            com.fasterxml.jackson.databind.node.ObjectNode folderConfig) {
        return folderConfig;
    }

    /** The longest sequence the model's positions cover (T5: none). */
    default PositionLimit positionLimit() {
        return PositionLimit.NONE;
    }
}
