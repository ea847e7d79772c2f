package org.pefttrainer.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.util.List;
import java.util.function.Function;

/**
 * Rules between keys. Each runs only when its keys passed their own checks, and reads them through Typesafe's
 * getters; its problem is reported at the first key's value.
 */
final class CrossKeyRules {

    /**
     * @param keys  the keys the rule reads; the first one's origin is where the problem is reported
     * @param check null when fine, else the message (naming the keys)
     */
    record CrossKeyRule(List<String> keys, Function<Config, String> check) {}

    private CrossKeyRules() {}

    static List<CrossKeyRule> all() {
        return RULES;
    }

    private static final List<CrossKeyRule> RULES = List.of(
            new CrossKeyRule(List.of("train.epochs", "train.max_steps"), c ->
                    c.getIsNull("train.epochs") && c.getInt("train.max_steps") == -1
                            ? "train.epochs or train.max_steps must be set (train.epochs is null and "
                                    + "train.max_steps is -1)"
                            : null),
            new CrossKeyRule(List.of("peft.prompt_tuning.init", "peft.prompt_tuning.init_text", "peft.method"), c ->
                    method(c, "prompt_tuning")
                            && c.getString("peft.prompt_tuning.init").equalsIgnoreCase("TEXT")
                            && (c.getIsNull("peft.prompt_tuning.init_text")
                                    || c.getString("peft.prompt_tuning.init_text").isBlank())
                            ? "peft.prompt_tuning.init = TEXT needs peft.prompt_tuning.init_text"
                            : null),
            new CrossKeyRule(List.of("peft.lora.target_regex", "peft.lora.target_modules", "peft.method"), c ->
                    method(c, "lora") && !c.getIsNull("peft.lora.target_regex") && !defaultTargets(c)
                            ? "peft.lora.target_regex and peft.lora.target_modules are both set: give one "
                                    + "(target_modules = default when using target_regex)"
                            : null),
            new CrossKeyRule(List.of("optim.schedule.warmup_ratio", "optim.schedule.warmup_steps"), c ->
                    c.getDouble("optim.schedule.warmup_ratio") > 0 && c.getInt("optim.schedule.warmup_steps") > 0
                            ? "optim.schedule.warmup_steps and optim.schedule.warmup_ratio are both set: give one"
                            : null),
            new CrossKeyRule(List.of("optim.schedule.final_lr", "optim.lr", "optim.schedule.name"), c ->
                    !c.getString("optim.schedule.name").equalsIgnoreCase("constant")
                            && c.getDouble("optim.schedule.final_lr") > c.getDouble("optim.lr")
                            ? "optim.schedule.final_lr (" + c.getDouble("optim.schedule.final_lr")
                                    + ") must be <= optim.lr (" + c.getDouble("optim.lr") + ")"
                            : null),
            // Decoding keys may be unset (the model's generation_config.json fills them in): the generator's own
            // checks see the merged settings; these catch what the config alone already gets wrong.
            new CrossKeyRule(List.of("generation.num_beams", "generation.strategy"), c ->
                    strategy(c, "beam") && !c.getIsNull("generation.num_beams") && c.getInt("generation.num_beams") < 2
                            ? "generation.strategy = beam needs generation.num_beams >= 2 (got "
                                    + c.getInt("generation.num_beams") + ")"
                            : null),
            new CrossKeyRule(List.of("generation.num_return_sequences", "generation.strategy", "generation.num_beams"),
                    c -> {
                        if (c.getIsNull("generation.num_return_sequences")) {
                            return null;
                        }
                        int n = c.getInt("generation.num_return_sequences");
                        if (strategy(c, "greedy") && n > 1) {
                            return "generation.num_return_sequences must be 1 with strategy = greedy (got " + n + ")";
                        }
                        if (strategy(c, "beam") && !c.getIsNull("generation.num_beams")
                                && n > c.getInt("generation.num_beams")) {
                            return "generation.num_return_sequences (" + n + ") must be <= generation.num_beams ("
                                    + c.getInt("generation.num_beams") + ")";
                        }
                        return null;
                    }),
            new CrossKeyRule(List.of("eval.metrics"), c -> {
                for (String m : c.getStringList("eval.metrics")) {
                    if (!List.of("rouge", "bleu", "exact_match", "em", "all").contains(m.toLowerCase(java.util.Locale.ROOT))) {
                        return "eval.metrics: unknown metric '" + m + "' (rouge, bleu, exact_match, all)";
                    }
                }
                return c.getStringList("eval.metrics").isEmpty() ? "eval.metrics must name at least one metric" : null;
            }),
            new CrossKeyRule(List.of("eval.metric", "eval.metrics", "eval.validation_loss"), c -> {
                EvalConfig.Metric m = ConfigEnum.parse(EvalConfig.Metric.class, c.getString("eval.metric").trim());
                if (m.family() == null) {
                    return c.getBoolean("eval.validation_loss") ? null
                            : "eval.metric = " + m.configName() + " needs eval.validation_loss = true";
                }
                List<String> on = c.getStringList("eval.metrics").stream()
                        .map(x -> x.toLowerCase(java.util.Locale.ROOT))
                        .map(x -> x.equals("em") ? "exact_match" : x).toList();
                return on.contains(m.family()) || on.contains("all") ? null
                        : "eval.metric = " + m.configName() + " needs " + m.family() + " in eval.metrics";
            }),
            new CrossKeyRule(List.of("eval.early_stopping_patience", "eval.every_epoch"), c ->
                    c.getInt("eval.early_stopping_patience") > 0 && !c.getBoolean("eval.every_epoch")
                            ? "eval.early_stopping_patience needs eval.every_epoch = true"
                            : null));

    private static boolean method(Config c, String name) {
        return c.getString("peft.method").equalsIgnoreCase(name);
    }

    private static boolean strategy(Config c, String name) {
        return !c.getIsNull("generation.strategy") && c.getString("generation.strategy").equalsIgnoreCase(name);
    }

    private static boolean defaultTargets(Config c) {
        return c.getValue("peft.lora.target_modules").valueType() != ConfigValueType.LIST
                && c.getString("peft.lora.target_modules").equalsIgnoreCase("default");
    }
}
