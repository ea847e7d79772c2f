package org.pefttrainer.peft.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.peft.adapter.AdapterConfig;
import org.pefttrainer.peft.adapter.AdapterType;
import org.pefttrainer.peft.adapter.ConfigReader;

/**
 * PEFT 0.13.2's PromptTuningConfig for SEQ_2_SEQ_LM and CAUSAL_LM. {@code tokenDim}, {@code numTransformerSubmodules},
 * {@code numAttentionHeads}, {@code numLayers} and {@code taskType} may be null until the adapter is created on a
 * model, where they are filled in as PEFT does (the hidden size, 2 submodules for an encoder-decoder and 1 for a
 * decoder-only model, config.json's head and layer counts, the base's task type).
 */
public record PromptTuningConfig(
        int numVirtualTokens,
        Integer tokenDim,
        Integer numTransformerSubmodules,
        Integer numAttentionHeads,
        Integer numLayers,
        PromptTuningInit promptTuningInit,
        String promptTuningInitText,
        String tokenizerNameOrPath,
        JsonNode tokenizerKwargs,
        String baseModelNameOrPath,
        String revision,
        String taskType) implements AdapterConfig {

    /** Every key of PEFT 0.13.2's PromptTuningConfig as save_pretrained writes it. */
    public static final Set<String> PEFT_KEYS = Set.of("auto_mapping", "base_model_name_or_path", "inference_mode",
            "num_attention_heads", "num_layers", "num_transformer_submodules", "num_virtual_tokens", "peft_type",
            "prompt_tuning_init", "prompt_tuning_init_text", "revision", "task_type", "token_dim", "tokenizer_kwargs",
            "tokenizer_name_or_path");

    /** PEFT: num_transformer_submodules defaults to 2 for SEQ_2_SEQ_LM (one prompt for the encoder, one unused). */
    public static final int SEQ2SEQ_SUBMODULES = 2;

    /** The task types PEFT's prompt tuning wraps a base in here: PeftModelForSeq2SeqLM and PeftModelForCausalLM. */
    public static final String SEQ2SEQ = "SEQ_2_SEQ_LM";
    public static final String CAUSAL = "CAUSAL_LM";

    public PromptTuningConfig {
        String where = "prompt tuning config";
        if (numVirtualTokens < 1) {
            throw new UserException(where + ": num_virtual_tokens must be a positive integer, got " + numVirtualTokens);
        }
        if (numTransformerSubmodules != null && numTransformerSubmodules != 1 && numTransformerSubmodules != 2) {
            throw new UserException(where + ": num_transformer_submodules must be 1 or 2, got "
                    + numTransformerSubmodules);
        }
        if (promptTuningInit == null) {
            promptTuningInit = PromptTuningInit.RANDOM;
        }
        if (taskType != null && !taskType.equals(SEQ2SEQ) && !taskType.equals(CAUSAL)) {
            throw new UserException(where + ": task_type must be " + SEQ2SEQ + " or " + CAUSAL + ", got " + taskType);
        }
        // PEFT's PromptTuningConfig.__post_init__ checks, so that PEFT can load what we save.
        if (promptTuningInit == PromptTuningInit.TEXT && (tokenizerNameOrPath == null || tokenizerNameOrPath.isEmpty())) {
            throw new UserException(where + ": prompt_tuning_init TEXT needs tokenizer_name_or_path");
        }
        if (promptTuningInit == PromptTuningInit.TEXT && promptTuningInitText == null) {
            throw new UserException(where + ": prompt_tuning_init TEXT needs prompt_tuning_init_text");
        }
        if (tokenizerKwargs != null && !tokenizerKwargs.isNull() && !tokenizerKwargs.isEmpty()
                && promptTuningInit != PromptTuningInit.TEXT) {
            throw new UserException(where + ": tokenizer_kwargs only valid with prompt_tuning_init TEXT");
        }
    }

    /**
     * The config file's {@code peft.prompt_tuning} section (validated by the config loader) as PEFT's
     * PromptTuningConfig for a new soft prompt on {@code baseName}.
     */
    public static PromptTuningConfig fromSettings(com.typesafe.config.Config s, String baseName) {
        Builder b = builder(s.getInt("num_virtual_tokens")).baseModelNameOrPath(baseName);
        PromptTuningInit init = PromptTuningInit.parse(s.getString("init").strip(), "peft.prompt_tuning.init");
        return (init == PromptTuningInit.TEXT ? b.text(s.getString("init_text"), baseName) : b.init(init)).build();
    }

    public static Builder builder(int numVirtualTokens) {
        return new Builder(numVirtualTokens);
    }

    @Override
    public AdapterType type() {
        return AdapterType.PROMPT_TUNING;
    }

    /** Rows of the prompt table: num_virtual_tokens × num_transformer_submodules. */
    public int totalVirtualTokens() {
        return numVirtualTokens * (numTransformerSubmodules == null ? defaultSubmodules(taskType)
                : numTransformerSubmodules);
    }

    /** PEFT's default: 2 for SEQ_2_SEQ_LM (also when no task type is known yet), 1 otherwise. */
    private static int defaultSubmodules(String taskType) {
        return taskType == null || taskType.equals(SEQ2SEQ) ? SEQ2SEQ_SUBMODULES : 1;
    }

    /** PEFT's _prepare_prompt_learning_config: unset model dimensions taken from the base model. */
    public PromptTuningConfig withModelDefaults(LanguageModel base) {
        String task = taskType == null ? base.taskType().peftName() : taskType;
        return new PromptTuningConfig(numVirtualTokens, tokenDim == null ? base.hiddenSize() : tokenDim,
                numTransformerSubmodules == null ? defaultSubmodules(task) : numTransformerSubmodules,
                numAttentionHeads == null ? base.numAttentionHeads() : numAttentionHeads,
                numLayers == null ? base.numHiddenLayers() : numLayers, promptTuningInit, promptTuningInitText,
                tokenizerNameOrPath, tokenizerKwargs, baseModelNameOrPath, revision, task);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.putNull("auto_mapping");
        o.put("base_model_name_or_path", baseModelNameOrPath);
        o.put("inference_mode", true);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_layers", numLayers);
        o.put("num_transformer_submodules", numTransformerSubmodules);
        o.put("num_virtual_tokens", numVirtualTokens);
        o.put("peft_type", AdapterType.PROMPT_TUNING.peftType());
        o.put("prompt_tuning_init", promptTuningInit.name());
        o.put("prompt_tuning_init_text", promptTuningInitText);
        o.put("revision", revision);
        o.put("task_type", taskType == null ? SEQ2SEQ : taskType);
        o.put("token_dim", tokenDim);
        o.set("tokenizer_kwargs", tokenizerKwargs == null ? JsonNodeFactory.instance.nullNode() : tokenizerKwargs);
        o.put("tokenizer_name_or_path", tokenizerNameOrPath);
        return o;
    }

    /** Reads a PROMPT_TUNING adapter_config.json; unknown keys (newer PEFT) are logged and ignored. */
    public static PromptTuningConfig fromJson(ConfigReader c) {
        c.warnUnknownKeys(PEFT_KEYS);
        c.requireTaskType(false, SEQ2SEQ, CAUSAL);
        String task = c.string("task_type", null);
        int n = c.integer("num_virtual_tokens", 0);
        if (n < 1) {
            throw c.error("num_virtual_tokens", "must be a positive integer, got " + c.node("num_virtual_tokens"));
        }
        Integer dim = c.optionalInteger("token_dim");
        if (dim == null || dim < 1) {
            throw c.error("token_dim", "must be a positive integer, got " + c.node("token_dim"));
        }
        Integer submodules = c.optionalInteger("num_transformer_submodules");
        if (submodules != null && submodules != 1 && submodules != 2) {
            throw c.error("num_transformer_submodules", "must be 1 or 2, got " + submodules);
        }
        String init = c.string("prompt_tuning_init", "RANDOM");
        JsonNode kwargs = c.node("tokenizer_kwargs");
        return new PromptTuningConfig(n, dim, submodules == null ? defaultSubmodules(task) : submodules,
                c.optionalInteger("num_attention_heads"), c.optionalInteger("num_layers"),
                PromptTuningInit.parse(init, c.file().toString()), c.string("prompt_tuning_init_text", null),
                c.string("tokenizer_name_or_path", null), kwargs == null || kwargs.isNull() ? null : kwargs,
                c.string("base_model_name_or_path", null), c.string("revision", null), task);
    }

    /** Builds a config with PEFT's defaults (RANDOM init, model dimensions filled in on creation). */
    public static final class Builder {
        private final int numVirtualTokens;
        private PromptTuningInit init = PromptTuningInit.RANDOM;
        private String initText;
        private String tokenizerNameOrPath;
        private JsonNode tokenizerKwargs;
        private String baseModelNameOrPath;
        private String revision;

        private Builder(int numVirtualTokens) {
            this.numVirtualTokens = numVirtualTokens;
        }

        public Builder init(PromptTuningInit v) {
            init = v;
            return this;
        }

        /** TEXT init: the text and the tokenizer PEFT records for it (a model folder or hub id). */
        public Builder text(String text, String tokenizerNameOrPath) {
            this.init = PromptTuningInit.TEXT;
            this.initText = text;
            this.tokenizerNameOrPath = tokenizerNameOrPath;
            return this;
        }

        public Builder tokenizerKwargs(JsonNode v) {
            tokenizerKwargs = v;
            return this;
        }

        public Builder baseModelNameOrPath(String v) {
            baseModelNameOrPath = v;
            return this;
        }

        public Builder revision(String v) {
            revision = v;
            return this;
        }

        public PromptTuningConfig build() {
            return new PromptTuningConfig(numVirtualTokens, null, null, null, null, init, initText,
                    tokenizerNameOrPath, tokenizerKwargs, baseModelNameOrPath, revision, null);
        }
    }
}
