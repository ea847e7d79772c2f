package org.pefttrainer.peft.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.pefttrainer.core.UserException;
import org.pefttrainer.peft.adapter.AdapterConfig;
import org.pefttrainer.peft.adapter.AdapterType;
import org.pefttrainer.peft.adapter.ConfigReader;

/**
 * PEFT 0.13.2's LoraConfig: LoRA on linear layers and input embeddings, with per-module ranks and alphas
 * ({@code rank_pattern}, {@code alpha_pattern}), layer selection ({@code layers_to_transform}, {@code layers_pattern}),
 * DoRA ({@code use_dora}), bias training ({@code bias}) and trained copies of whole modules ({@code modules_to_save}).
 * Defaults are PEFT's (r 8, lora_alpha 8, dropout 0, init true, bias none). {@code targetModules} null means PEFT's
 * default for the architecture (T5: q, v), resolved when the adapter is created.
 *
 * @param rankPattern       per-module r, keyed by a regex matched against the end of the module name (see
 *                          {@link #patternKey}); insertion order is PEFT's order of trying the keys
 * @param layersToTransform layer indexes to adapt, or null for all
 * @param layersPattern     the layer container names ("layers", "h", "block"), or null: any
 * @param bias              none | all (every parameter named *bias* trains) | lora_only (the adapted layers' biases)
 * @param modulesToSave     module names (suffixes) whose parameters train fully and are saved, or null
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
        String taskType,
        Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern,
        List<Integer> layersToTransform,
        List<String> layersPattern,
        boolean useDora,
        String bias,
        List<String> modulesToSave) implements AdapterConfig {

    /** PEFT's values of {@code bias}. */
    public static final List<String> BIAS_VALUES = List.of("none", "all", "lora_only");

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
        rankPattern = rankPattern == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(rankPattern));
        alphaPattern = alphaPattern == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(alphaPattern));
        rankPattern.forEach((k, v) -> {
            if (v < 1) {
                throw new UserException(where + ": rank_pattern['" + k + "'] must be a positive integer, got " + v);
            }
        });
        layersToTransform = layersToTransform == null || layersToTransform.isEmpty() ? null
                : List.copyOf(layersToTransform);
        layersPattern = layersPattern == null || layersPattern.isEmpty() ? null : List.copyOf(layersPattern);
        if (bias == null) {
            bias = "none";
        }
        if (!BIAS_VALUES.contains(bias)) {
            throw new UserException(where + ": bias must be one of " + BIAS_VALUES + ", got '" + bias + "'");
        }
        modulesToSave = modulesToSave == null || modulesToSave.isEmpty() ? null : List.copyOf(modulesToSave);
    }

    /** Plain LoRA (no patterns, layer selection, DoRA, bias or modules_to_save). */
    public LoraConfig(int r, double loraAlpha, double loraDropout, TargetModules targetModules, boolean useRslora,
            LoraInit initLoraWeights, boolean fanInFanOut, String baseModelNameOrPath, String revision,
            String taskType) {
        this(r, loraAlpha, loraDropout, targetModules, useRslora, initLoraWeights, fanInFanOut, baseModelNameOrPath,
                revision, taskType, null, null, null, null, false, "none", null);
    }

    /** PEFT's task_type default of this trainer's first models (encoder-decoders). */
    public LoraConfig(int r, double loraAlpha, double loraDropout, TargetModules targetModules, boolean useRslora,
            LoraInit initLoraWeights, boolean fanInFanOut, String baseModelNameOrPath, String revision) {
        this(r, loraAlpha, loraDropout, targetModules, useRslora, initLoraWeights, fanInFanOut, baseModelNameOrPath,
                revision, TASK_TYPE);
    }

    /** With PEFT's task_type of the base: SEQ_2_SEQ_LM or CAUSAL_LM. */
    public LoraConfig withTaskType(String t) {
        return toBuilder().taskType(t).build();
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
        Builder b = builder().r(s.getInt("r")).loraAlpha(s.getInt("alpha")).loraDropout(s.getDouble("dropout"))
                .targetModules(targets).useRslora(s.getBoolean("use_rslora")).initLoraWeights(init)
                .fanInFanOut(s.getBoolean("fan_in_fan_out")).baseModelNameOrPath(baseName)
                .bias(s.getString("bias").strip()).useDora(s.getBoolean("use_dora"));
        Map<String, Integer> ranks = new LinkedHashMap<>();
        patterns(s, "rank_pattern").forEach((k, v) -> {
            if (v.valueType() != com.typesafe.config.ConfigValueType.NUMBER || ((Number) v.unwrapped()).doubleValue()
                    != Math.rint(((Number) v.unwrapped()).doubleValue()) || ((Number) v.unwrapped()).intValue() < 1) {
                throw new UserException(v.origin().description() + ": peft.lora.rank_pattern." + k
                        + " must be a positive integer (that module's r), got " + v.render());
            }
            ranks.put(k, ((Number) v.unwrapped()).intValue());
        });
        Map<String, Double> alphas = new LinkedHashMap<>();
        patterns(s, "alpha_pattern").forEach((k, v) -> {
            if (v.valueType() != com.typesafe.config.ConfigValueType.NUMBER) {
                throw new UserException(v.origin().description() + ": peft.lora.alpha_pattern." + k
                        + " must be a number (that module's lora_alpha), got " + v.render());
            }
            alphas.put(k, ((Number) v.unwrapped()).doubleValue());
        });
        b.rankPattern(ranks).alphaPattern(alphas);
        if (!s.getIsNull("layers_to_transform")) {
            List<Integer> layers = new java.util.ArrayList<>();
            for (var v : s.getList("layers_to_transform")) {
                Object o = v.unwrapped();
                if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 0) {
                    throw new UserException(v.origin().description() + ": peft.lora.layers_to_transform must list "
                            + "layer indexes (integers >= 0), got " + v.render());
                }
                layers.add(n.intValue());
            }
            b.layersToTransform(layers);
        }
        if (!s.getIsNull("layers_pattern")) {
            b.layersPattern(s.getValue("layers_pattern").valueType() == com.typesafe.config.ConfigValueType.LIST
                    ? s.getStringList("layers_pattern") : List.of(s.getString("layers_pattern")));
        }
        b.modulesToSave(s.getStringList("modules_to_save"));
        return b.build();
    }

    /** A {@code peft.lora.*_pattern} section as module-suffix keys: nested HOCON paths are joined with dots. */
    private static Map<String, com.typesafe.config.ConfigValue> patterns(com.typesafe.config.Config s, String key) {
        Map<String, com.typesafe.config.ConfigValue> out = new LinkedHashMap<>();
        for (var e : s.getConfig(key).entrySet()) {
            out.put(String.join(".", com.typesafe.config.ConfigUtil.splitPath(e.getKey())), e.getValue());
        }
        return out;
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
        return toBuilder().targetModules(t).build();
    }

    public LoraConfig withFanInFanOut(boolean f) {
        return toBuilder().fanInFanOut(f).build();
    }

    public LoraConfig withBaseModelNameOrPath(String name) {
        return toBuilder().baseModelNameOrPath(name).build();
    }

    /**
     * The key of rank_pattern / alpha_pattern that applies to {@code module}, as PEFT 0.13.2's
     * LoraModel._create_and_replace finds it: the first key, rank_pattern's then alpha_pattern's, for which
     * {@code re.match(".*\\.KEY$", module)} holds; null when none does. The same key then looks up both r and alpha, so
     * a module matched first by a rank_pattern key keeps the default alpha even if an alpha_pattern key matches it
     * too. (Later PEFT versions changed this rule; adapter configs are read with 0.13.2's, the version this trainer is
     * checked against.)
     */
    public String patternKey(String module) {
        for (Map<String, ?> m : List.<Map<String, ?>>of(rankPattern, alphaPattern)) {
            for (String key : m.keySet()) {
                // re.match: anchored at the start only; "$" ends the name
                if (Pattern.compile(".*\\." + key + "$").matcher(module).lookingAt()) {
                    return key;
                }
            }
        }
        return null;
    }

    /** r of {@code module}: rank_pattern's value for its pattern key, else r. */
    public int rankOf(String module) {
        String k = patternKey(module);
        return k == null ? r : rankPattern.getOrDefault(k, r);
    }

    /** lora_alpha of {@code module}: alpha_pattern's value for its pattern key, else lora_alpha. */
    public double alphaOf(String module) {
        String k = patternKey(module);
        return k == null ? loraAlpha : alphaPattern.getOrDefault(k, loraAlpha);
    }

    /** PEFT's scaling of {@code module}: its alpha over its r (or over sqrt(r) with rsLoRA). */
    public double scalingOf(String module) {
        String k = patternKey(module);
        int rm = k == null ? r : rankPattern.getOrDefault(k, r);
        double am = k == null ? loraAlpha : alphaPattern.getOrDefault(k, loraAlpha);
        return useRslora ? am / Math.sqrt(rm) : am / rm;
    }

    /** Whether PEFT would train {@code module}'s parameters as a full copy (_set_trainable: name ends with a key). */
    public boolean savesModule(String module) {
        if (modulesToSave == null) {
            return false;
        }
        for (String k : modulesToSave) {
            if (module.endsWith(k)) {
                return true;
            }
        }
        return false;
    }

    public Builder toBuilder() {
        Builder b = new Builder().r(r).loraAlpha(loraAlpha).loraDropout(loraDropout).targetModules(targetModules)
                .useRslora(useRslora).initLoraWeights(initLoraWeights).fanInFanOut(fanInFanOut)
                .baseModelNameOrPath(baseModelNameOrPath).revision(revision).taskType(taskType)
                .rankPattern(rankPattern).alphaPattern(alphaPattern).layersToTransform(layersToTransform)
                .layersPattern(layersPattern).useDora(useDora).bias(bias).modulesToSave(modulesToSave);
        return b;
    }

    @Override
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        ObjectNode ap = o.putObject("alpha_pattern");
        alphaPattern.forEach((k, v) -> putNumber(ap, k, v));
        o.putNull("auto_mapping");
        o.put("base_model_name_or_path", baseModelNameOrPath);
        o.put("bias", bias);
        o.put("fan_in_fan_out", fanInFanOut);
        o.put("inference_mode", true);
        o.set("init_lora_weights", initLoraWeights.toJson());
        o.putNull("layer_replication");
        if (layersPattern == null) {
            o.putNull("layers_pattern");
        } else if (layersPattern.size() == 1) {
            o.put("layers_pattern", layersPattern.get(0));
        } else {
            layersPattern.forEach(o.putArray("layers_pattern")::add);
        }
        if (layersToTransform == null) {
            o.putNull("layers_to_transform");
        } else {
            layersToTransform.forEach(o.putArray("layers_to_transform")::add);
        }
        o.putObject("loftq_config");
        putNumber(o, "lora_alpha", loraAlpha);
        o.put("lora_dropout", loraDropout);
        o.putNull("megatron_config");
        o.put("megatron_core", "megatron.core");
        if (modulesToSave == null) {
            o.putNull("modules_to_save");
        } else {
            modulesToSave.forEach(o.putArray("modules_to_save")::add);
        }
        o.put("peft_type", AdapterType.LORA.peftType());
        o.put("r", r);
        ObjectNode rp = o.putObject("rank_pattern");
        rankPattern.forEach(rp::put);
        o.put("revision", revision);
        o.set("target_modules", targetModules == null ? f.nullNode() : targetModules.toJson());
        o.put("task_type", taskType);
        o.put("use_dora", useDora);
        o.put("use_rslora", useRslora);
        return o;
    }

    /** PEFT types alphas as int; a whole number is written the way a Python user would have passed it. */
    private static void putNumber(ObjectNode o, String key, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            o.put(key, (long) v);
        } else {
            o.put(key, v);
        }
    }

    /**
     * Reads a LoRA adapter_config.json. Keys of features this trainer does not implement are refused with an error
     * naming the key; unknown keys (newer PEFT) are logged and ignored.
     */
    public static LoraConfig fromJson(ConfigReader c) {
        c.warnUnknownKeys(PEFT_KEYS);
        c.requireTaskType(true, "SEQ_2_SEQ_LM", "CAUSAL_LM");
        String bias = c.string("bias", "none");
        if (!BIAS_VALUES.contains(bias)) {
            throw c.error("bias", "is '" + bias + "', expected one of " + BIAS_VALUES);
        }
        c.requireDefault("layer_replication", "layer replication is not supported");
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
        Map<String, Integer> ranks = new LinkedHashMap<>();
        c.objectEntries("rank_pattern").forEach((k, v) -> {
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
                throw c.error("rank_pattern", "maps '" + k + "' to " + v + ", expected a positive integer r");
            }
            ranks.put(k, v.intValue());
        });
        Map<String, Double> alphas = new LinkedHashMap<>();
        c.objectEntries("alpha_pattern").forEach((k, v) -> {
            if (!v.isNumber()) {
                throw c.error("alpha_pattern", "maps '" + k + "' to " + v + ", expected a number");
            }
            alphas.put(k, v.doubleValue());
        });
        List<Integer> layers = null;
        JsonNode lt = c.node("layers_to_transform");
        if (lt != null && !lt.isNull()) {
            layers = new java.util.ArrayList<>();
            for (JsonNode n : lt.isArray() ? lt : List.of(lt)) {
                if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0) {
                    throw c.error("layers_to_transform", "is " + lt + ", expected a layer index or a list of them");
                }
                layers.add(n.intValue());
            }
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
                c.string("task_type", TASK_TYPE),
                ranks,
                alphas,
                layers,
                c.stringOrList("layers_pattern"),
                c.bool("use_dora", false),
                bias,
                c.stringOrList("modules_to_save"));
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
        private String taskType;
        private Map<String, Integer> rankPattern;
        private Map<String, Double> alphaPattern;
        private List<Integer> layersToTransform;
        private List<String> layersPattern;
        private boolean useDora;
        private String bias = "none";
        private List<String> modulesToSave;

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

        /** none, all or lora_only (PEFT's values). */
        public Builder bias(String v) {
            bias = v;
            return this;
        }

        public Builder modulesToSave(List<String> v) {
            modulesToSave = v;
            return this;
        }

        public Builder rankPattern(Map<String, Integer> v) {
            rankPattern = v;
            return this;
        }

        public Builder alphaPattern(Map<String, Double> v) {
            alphaPattern = v;
            return this;
        }

        public Builder layersToTransform(List<Integer> v) {
            layersToTransform = v;
            return this;
        }

        public Builder layersPattern(List<String> v) {
            layersPattern = v;
            return this;
        }

        public Builder useDora(boolean v) {
            useDora = v;
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

        public Builder taskType(String v) {
            taskType = v;
            return this;
        }

        public LoraConfig build() {
            return new LoraConfig(r, loraAlpha, loraDropout, targetModules, useRslora, init, fanInFanOut,
                    baseModelNameOrPath, revision, taskType, rankPattern, alphaPattern, layersToTransform,
                    layersPattern, useDora, bias, modulesToSave);
        }
    }
}
