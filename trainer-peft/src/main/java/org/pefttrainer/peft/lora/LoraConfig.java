package org.pefttrainer.peft.lora;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.peft.adapter.AdapterConfig;
import org.pefttrainer.peft.adapter.AdapterType;
import org.pefttrainer.peft.adapter.ConfigReader;

/**
 * PEFT 0.13.2's LoraConfig, restricted to what this trainer implements: plain LoRA on linear layers, no bias
 * training, no modules_to_save, no rank/alpha patterns, no DoRA. Defaults are PEFT's (r 8, lora_alpha 8, dropout 0,
 * init true). {@code targetModules} null means PEFT's default for the architecture (T5: q, v), resolved when the
 * adapter is created.
 */
public record LoraConfig(
        int r,
        double loraAlpha,
        double loraDropout,
        TargetModules targetModules,
        boolean useRslora,
        LoraInit initLoraWeights,
        boolean fanInFanOut,
        String baseModelNameOrPath,
        String revision,
        String taskType) implements AdapterConfig {

    /** Every key of PEFT 0.13.2's LoraConfig.to_dict() (runtime_config is dropped there). */
    public static final Set<String> PEFT_KEYS = Set.of("alpha_pattern", "auto_mapping", "base_model_name_or_path",
            "bias", "fan_in_fan_out", "inference_mode", "init_lora_weights", "layer_replication", "layers_pattern",
            "layers_to_transform", "loftq_config", "lora_alpha", "lora_dropout", "megatron_config", "megatron_core",
            "modules_to_save", "peft_type", "r", "rank_pattern", "revision", "target_modules", "task_type", "use_dora",
            "use_rslora");

    public LoraConfig {
        String where = "LoRA config";
        if (r < 1) {
            throw new UserException(where + ": r must be a positive integer, got " + r);
        }
        if (!Double.isFinite(loraAlpha)) {
            throw new UserException(where + ": lora_alpha must be a finite number, got " + loraAlpha);
        }
        if (!(loraDropout >= 0 && loraDropout < 1)) {
            throw new UserException(where + ": lora_dropout must be in [0, 1), got " + loraDropout);
        }
        if (initLoraWeights == null) {
            initLoraWeights = LoraInit.DEFAULT;
        }
        if (taskType == null) {
            taskType = TASK_TYPE;
        }
    }

    /** PEFT's task_type default of this trainer's first models (encoder-decoders). */
    public LoraConfig(int r, double loraAlpha, double loraDropout, TargetModules targetModules, boolean useRslora,
            LoraInit initLoraWeights, boolean fanInFanOut, String baseModelNameOrPath, String revision) {
        this(r, loraAlpha, loraDropout, targetModules, useRslora, initLoraWeights, fanInFanOut, baseModelNameOrPath,
                revision, TASK_TYPE);
    }

    /** With PEFT's task_type of the base: SEQ_2_SEQ_LM or CAUSAL_LM. */
    public LoraConfig withTaskType(String t) {
        return new LoraConfig(r, loraAlpha, loraDropout, targetModules, useRslora, initLoraWeights, fanInFanOut,
                baseModelNameOrPath, revision, t);
    }

    /**
     * The config file's {@code peft.lora} section (validated by the config loader) as PEFT's LoraConfig for a new
     * adapter on {@code baseName}: target_regex, else a target_modules list, else "all-linear", else (null) the
     * architecture's PEFT default.
     */
    public static LoraConfig fromSettings(com.typesafe.config.Config s, String baseName) {
        TargetModules targets;
        if (!s.getIsNull("target_regex")) {
            targets = TargetModules.of(s.getString("target_regex"), "peft.lora.target_regex");
        } else if (s.getValue("target_modules").valueType() == com.typesafe.config.ConfigValueType.LIST) {
            targets = TargetModules.names(s.getStringList("target_modules").stream().map(String::strip).toList());
        } else {
            targets = s.getString("target_modules").strip().equalsIgnoreCase("all-linear") ? TargetModules.allLinear()
                    : null;
        }
        LoraInit init = LoraInit.parse(s.getString("init").strip(), "peft.lora.init");
        return builder().r(s.getInt("r")).loraAlpha(s.getInt("alpha")).loraDropout(s.getDouble("dropout"))
                .targetModules(targets).useRslora(s.getBoolean("use_rslora")).initLoraWeights(init)
                .fanInFanOut(s.getBoolean("fan_in_fan_out")).baseModelNameOrPath(baseName).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public AdapterType type() {
        return AdapterType.LORA;
    }

    /** PEFT's scaling: lora_alpha / r, or lora_alpha / sqrt(r) with rsLoRA. */
    public double scaling() {
        return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
    }

    public LoraConfig withTargetModules(TargetModules t) {
        return new LoraConfig(r, loraAlpha, loraDropout, t, useRslora, initLoraWeights, fanInFanOut,
                baseModelNameOrPath, revision, taskType);
    }

    public LoraConfig withFanInFanOut(boolean f) {
        return new LoraConfig(r, loraAlpha, loraDropout, targetModules, useRslora, initLoraWeights, f,
                baseModelNameOrPath, revision, taskType);
    }

    public LoraConfig withBaseModelNameOrPath(String name) {
        return new LoraConfig(r, loraAlpha, loraDropout, targetModules, useRslora, initLoraWeights, fanInFanOut, name,
                revision, taskType);
    }

    @Override
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.putObject("alpha_pattern");
        o.putNull("auto_mapping");
        o.put("base_model_name_or_path", baseModelNameOrPath);
        o.put("bias", "none");
        o.put("fan_in_fan_out", fanInFanOut);
        o.put("inference_mode", true);
        o.set("init_lora_weights", initLoraWeights.toJson());
        o.putNull("layer_replication");
        o.putNull("layers_pattern");
        o.putNull("layers_to_transform");
        o.putObject("loftq_config");
        // PEFT types lora_alpha as int; a whole number is written the way a Python user would have passed it.
        if (loraAlpha == Math.rint(loraAlpha) && Math.abs(loraAlpha) < 1e15) {
            o.put("lora_alpha", (long) loraAlpha);
        } else {
            o.put("lora_alpha", loraAlpha);
        }
        o.put("lora_dropout", loraDropout);
        o.putNull("megatron_config");
        o.put("megatron_core", "megatron.core");
        o.putNull("modules_to_save");
        o.put("peft_type", AdapterType.LORA.peftType());
        o.put("r", r);
        o.putObject("rank_pattern");
        o.put("revision", revision);
        o.set("target_modules", targetModules == null ? f.nullNode() : targetModules.toJson());
        o.put("task_type", taskType);
        o.put("use_dora", false);
        o.put("use_rslora", useRslora);
        return o;
    }

    /**
     * Reads a LoRA adapter_config.json. Keys that would change the computation in ways not implemented here
     * (bias training, modules_to_save, rank/alpha patterns, layer selection or replication, DoRA, PiSSA-style inits)
     * are refused with an error naming the key; unknown keys (newer PEFT) are logged and ignored.
     */
    public static LoraConfig fromJson(ConfigReader c) {
        c.warnUnknownKeys(PEFT_KEYS);
        c.requireTaskType(true, "SEQ_2_SEQ_LM", "CAUSAL_LM");
        String bias = c.string("bias", "none");
        if (!bias.equals("none")) {
            throw c.error("bias", "is '" + bias + "', but only 'none' is supported (bias training is not implemented)");
        }
        c.requireDefault("modules_to_save", "modules_to_save is not supported (only LoRA matrices are trained)");
        c.requireDefault("rank_pattern", "per-module ranks are not supported");
        c.requireDefault("alpha_pattern", "per-module alphas are not supported");
        c.requireDefault("layers_to_transform", "layer selection is not supported (use a regex target_modules)");
        c.requireDefault("layers_pattern", "layer selection is not supported (use a regex target_modules)");
        c.requireDefault("layer_replication", "layer replication is not supported");
        c.requireDefault("use_dora", "DoRA is not supported");
        // Newer PEFT versions' switches for features that change the math.
        c.requireDefault("lora_bias", "LoRA bias terms are not supported");
        c.requireDefault("exclude_modules", "exclude_modules is not supported");
        c.requireDefault("trainable_token_indices", "training embedding rows is not supported");
        c.requireDefault("target_parameters", "LoRA on bare parameters is not supported");
        c.requireDefault("alora_invocation_tokens", "activated LoRA is not supported");
        c.requireDefault("use_qalora", "QALoRA is not supported");
        String where = c.file().toString();
        int r = c.integer("r", 8);
        if (r < 1) {
            throw c.error("r", "must be a positive integer, got " + r);
        }
        double dropout = c.number("lora_dropout", 0.0);
        if (!(dropout >= 0 && dropout < 1)) {
            throw c.error("lora_dropout", "must be in [0, 1), got " + dropout);
        }
        return new LoraConfig(
                r,
                c.number("lora_alpha", 8),
                dropout,
                TargetModules.fromJson(c.node("target_modules"), where),
                c.bool("use_rslora", false),
                LoraInit.fromJson(c.node("init_lora_weights"), where),
                c.bool("fan_in_fan_out", false),
                c.string("base_model_name_or_path", null),
                c.string("revision", null),
                c.string("task_type", TASK_TYPE));
    }

    /** Builds a config with PEFT's defaults for everything not set. */
    public static final class Builder {
        private int r = 8;
        private double loraAlpha = 8;
        private double loraDropout = 0.0;
        private TargetModules targetModules;
        private boolean useRslora;
        private LoraInit init = LoraInit.DEFAULT;
        private boolean fanInFanOut;
        private String baseModelNameOrPath;
        private String revision;

        public Builder r(int v) {
            r = v;
            return this;
        }

        public Builder loraAlpha(double v) {
            loraAlpha = v;
            return this;
        }

        public Builder loraDropout(double v) {
            loraDropout = v;
            return this;
        }

        /** Null: PEFT's default targets for the architecture. */
        public Builder targetModules(TargetModules v) {
            targetModules = v;
            return this;
        }

        public Builder useRslora(boolean v) {
            useRslora = v;
            return this;
        }

        public Builder initLoraWeights(LoraInit v) {
            init = v;
            return this;
        }

        public Builder fanInFanOut(boolean v) {
            fanInFanOut = v;
            return this;
        }

        /** Only "none" is implemented; anything else is a UserException. */
        public Builder bias(String v) {
            if (!"none".equals(v)) {
                throw new UserException("LoRA config: bias '" + v + "' is not supported (only 'none'; bias training is "
                        + "not implemented)");
            }
            return this;
        }

        /** Only null or empty is implemented; anything else is a UserException. */
        public Builder modulesToSave(List<String> v) {
            if (v != null && !v.isEmpty()) {
                throw new UserException("LoRA config: modules_to_save " + v + " is not supported (only LoRA matrices "
                        + "are trained and saved)");
            }
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

        public LoraConfig build() {
            return new LoraConfig(r, loraAlpha, loraDropout, targetModules, useRslora, init, fanInFanOut,
                    baseModelNameOrPath, revision);
        }
    }
}
