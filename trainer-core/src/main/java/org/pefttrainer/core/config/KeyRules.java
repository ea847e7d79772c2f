package org.pefttrainer.core.config;

import static org.pefttrainer.core.config.NumberRange.atLeast;
import static org.pefttrainer.core.config.NumberRange.closed;
import static org.pefttrainer.core.config.NumberRange.closedOpen;
import static org.pefttrainer.core.config.NumberRange.greaterThan;
import static org.pefttrainer.core.config.NumberRange.open;
import static org.pefttrainer.core.config.NumberRange.openClosed;
import static org.pefttrainer.core.config.ValueCheck.oneOf;
import static org.pefttrainer.core.config.ValueType.BOOLEAN;
import static org.pefttrainer.core.config.ValueType.DOUBLE;
import static org.pefttrainer.core.config.ValueType.DOUBLE_LIST;
import static org.pefttrainer.core.config.ValueType.INT;
import static org.pefttrainer.core.config.ValueType.LONG;
import static org.pefttrainer.core.config.ValueType.OBJECT;
import static org.pefttrainer.core.config.ValueType.STRING;
import static org.pefttrainer.core.config.ValueType.STRING_LIST;
import static org.pefttrainer.core.config.ValueType.STRING_OR_STRING_LIST;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules table: what base.conf's defaults cannot say by themselves. A key not listed here takes its type from
 * its default (string, boolean, list of strings) with no further check; every number (integer or not: HOCON reads
 * 1.0 as an integer), every null default, every open section and every enum is listed. {@link ConfigSchema}
 * fails fast if this table and base.conf disagree.
 */
final class KeyRules {
    private static final Map<String, KeyRule> RULES = new LinkedHashMap<>();

    static {
        add(KeyRule.of("run.name", STRING, ValueCheck.FOLDER_NAME).orNull());
        add(KeyRule.of("run.output_dir", STRING, ValueCheck.NOT_BLANK));
        add(KeyRule.of("run.seed", LONG, atLeast(0)));
        add(KeyRule.of("run.tags", OBJECT, ValueCheck.SCALAR_ENTRIES));

        add(KeyRule.of("device", STRING, oneOf(TrainerConfig.Device.class)));

        add(KeyRule.of("model.path", STRING, ValueCheck.NOT_BLANK));
        add(KeyRule.of("model.init.arch", STRING, oneOf(List.of("t5"))));
        add(KeyRule.of("model.init.size", STRING, ValueCheck.NOT_BLANK));
        add(KeyRule.of("model.init.tokenizer_corpus", STRING, ValueCheck.NOT_BLANK));
        add(KeyRule.of("model.dropout", DOUBLE, closedOpen(0, 1)).orNull());
        add(KeyRule.of("model.dtype", STRING, oneOf(ModelConfig.Dtype.class)));
        add(KeyRule.of("model.config_overrides", OBJECT));

        add(KeyRule.of("adapter", STRING, ValueCheck.NOT_BLANK).orNull());

        add(KeyRule.of("peft.method", STRING, oneOf(PeftConfig.Method.class)));
        add(KeyRule.of("peft.lora.r", INT, atLeast(1)));
        add(KeyRule.of("peft.lora.alpha", INT, atLeast(1)));
        add(KeyRule.of("peft.lora.dropout", DOUBLE, closedOpen(0, 1)));
        add(KeyRule.of("peft.lora.target_modules", STRING_OR_STRING_LIST,
                ValueCheck.stringOneOf(List.of("default", "all-linear")), ValueCheck.NO_BLANK_ELEMENTS));
        add(KeyRule.of("peft.lora.target_regex", STRING, ValueCheck.NOT_BLANK, ValueCheck.REGEX).orNull());
        add(KeyRule.of("peft.lora.init", STRING, oneOf(List.of("true", "gaussian", "false"))));
        add(KeyRule.of("peft.lora.bias", STRING, oneOf(List.of("none", "all", "lora_only"))));
        add(KeyRule.of("peft.lora.use_dora", BOOLEAN));
        add(KeyRule.of("peft.lora.rank_pattern", OBJECT));
        add(KeyRule.of("peft.lora.alpha_pattern", OBJECT));
        add(KeyRule.of("peft.lora.layers_to_transform", DOUBLE_LIST).orNull());
        add(KeyRule.of("peft.lora.layers_pattern", STRING_OR_STRING_LIST).orNull());
        add(KeyRule.of("peft.lora.modules_to_save", STRING_LIST, ValueCheck.NO_BLANK_ELEMENTS));
        add(KeyRule.of("peft.prompt_tuning.num_virtual_tokens", INT, atLeast(1)));
        add(KeyRule.of("peft.prompt_tuning.init", STRING, oneOf(List.of("RANDOM", "SAMPLE_VOCAB", "TEXT"))));
        add(KeyRule.of("peft.prompt_tuning.init_text", STRING).orNull());

        add(KeyRule.of("data.format", STRING, oneOf(DataConfig.Format.class)));
        add(KeyRule.of("data.path", STRING, ValueCheck.NOT_BLANK));
        add(KeyRule.of("data.train_split", STRING, ValueCheck.NOT_BLANK));
        add(KeyRule.of("data.validation_split", STRING, ValueCheck.NOT_BLANK));
        add(KeyRule.of("data.split", STRING, ValueCheck.NOT_BLANK));
        add(KeyRule.of("data.prompt_template", STRING, ValueCheck.contains("{dialogue}")));
        add(KeyRule.of("data.max_source_length", INT, atLeast(1)));
        add(KeyRule.of("data.max_target_length", INT, atLeast(1)));
        add(KeyRule.of("data.train_subset", INT, atLeast(0)));
        add(KeyRule.of("data.validation_subset", INT, atLeast(0)));
        add(KeyRule.of("data.subset", INT, atLeast(0)));
        add(KeyRule.of("data.subset_seed", LONG, atLeast(0)));
        add(KeyRule.of("data.references", STRING, oneOf(List.of("summary1", "all_pairs", "best_of_three"))));
        add(KeyRule.of("data.chat", BOOLEAN));
        add(KeyRule.of("data.chat_template", STRING, ValueCheck.NOT_BLANK).orNull());

        add(KeyRule.of("train.epochs", INT, atLeast(1)).orNull());
        add(KeyRule.of("train.max_steps", INT, atLeast(1).or(-1)));
        add(KeyRule.of("train.batch_size", INT, atLeast(1)));
        add(KeyRule.of("train.grad_accum_steps", INT, atLeast(1)));
        add(KeyRule.of("train.max_grad_norm", DOUBLE, atLeast(0)));
        add(KeyRule.of("train.log_every", INT, atLeast(1)));
        add(KeyRule.of("train.nonfinite.policy", STRING, oneOf(TrainConfig.Policy.class)));
        add(KeyRule.of("train.nonfinite.max_skips", INT, atLeast(0)));
        add(KeyRule.of("train.keep_checkpoints", INT, atLeast(0)));
        add(KeyRule.of("train.checkpoint_every_steps", INT, atLeast(0)));
        add(KeyRule.of("train.gradient_checkpointing", BOOLEAN));

        add(KeyRule.of("optim.name", STRING, oneOf(OptimConfig.Optimizer.class)));
        add(KeyRule.of("optim.lr", DOUBLE, greaterThan(0)));
        add(KeyRule.of("optim.weight_decay", DOUBLE, atLeast(0)));
        add(KeyRule.of("optim.betas", DOUBLE_LIST, ValueCheck.listSize(2), ValueCheck.elementsIn(closedOpen(0, 1))));
        add(KeyRule.of("optim.eps", DOUBLE, greaterThan(0)));
        add(KeyRule.of("optim.schedule.name", STRING, oneOf(ScheduleConfig.Kind.class)));
        add(KeyRule.of("optim.schedule.warmup_steps", INT, atLeast(0)));
        add(KeyRule.of("optim.schedule.warmup_ratio", DOUBLE, closedOpen(0, 1)));
        add(KeyRule.of("optim.schedule.final_lr", DOUBLE, atLeast(0)));

        add(KeyRule.of("eval.batch_size", INT, atLeast(1)));
        add(KeyRule.of("eval.metric", STRING, oneOf(EvalConfig.Metric.class)));
        add(KeyRule.of("eval.early_stopping_patience", INT, atLeast(0)));
        add(KeyRule.of("eval.bootstrap.samples", INT, atLeast(0)));
        add(KeyRule.of("eval.bootstrap.seed", LONG, atLeast(0)));
        add(KeyRule.of("eval.bootstrap.confidence", DOUBLE, open(0, 1)));
        add(KeyRule.of("eval.sample_predictions", INT, atLeast(0)));

        // Unset (null) decoding keys come from the model folder's generation_config.json, then transformers' defaults.
        add(KeyRule.of("generation.strategy", STRING, oneOf(java.util.Arrays.stream(
                org.pefttrainer.core.generate.GenerationConfig.Strategy.values())
                .map(s -> s.name().toLowerCase(java.util.Locale.ROOT)).toList())).orNull());
        add(KeyRule.of("generation.max_new_tokens", INT, atLeast(1)).orNull());
        add(KeyRule.of("generation.num_beams", INT, atLeast(1)).orNull());
        add(KeyRule.of("generation.length_penalty", DOUBLE).orNull());
        add(KeyRule.of("generation.no_repeat_ngram_size", INT, atLeast(0)).orNull());
        add(KeyRule.of("generation.early_stopping", BOOLEAN).orNull());
        add(KeyRule.of("generation.temperature", DOUBLE, greaterThan(0)).orNull());
        add(KeyRule.of("generation.top_k", INT, atLeast(0)).orNull());
        add(KeyRule.of("generation.top_p", DOUBLE, openClosed(0, 1)).orNull());
        add(KeyRule.of("generation.num_return_sequences", INT, atLeast(1)).orNull());
        add(KeyRule.of("generation.seed", LONG, atLeast(0)));
        add(KeyRule.of("generation.use_cache", BOOLEAN).orNull());

        add(KeyRule.of("serve.host", STRING, ValueCheck.NOT_BLANK));
        add(KeyRule.of("serve.port", INT, closed(0, 65535)));
        add(KeyRule.of("serve.max_batch_size", INT, atLeast(1)));
        add(KeyRule.of("serve.batch_wait_ms", INT, atLeast(0)));
        add(KeyRule.of("serve.adapters", OBJECT, ValueCheck.PATH_ENTRIES));
        add(KeyRule.of("serve.max_body_bytes", INT, closed(64, 1 << 30)));
        add(KeyRule.of("serve.max_new_tokens", INT, atLeast(1)));
        add(KeyRule.of("serve.max_queue", INT, atLeast(1)));
        add(KeyRule.of("serve.request_timeout_s", DOUBLE, greaterThan(0)));
        add(KeyRule.of("serve.token", STRING, ValueCheck.NOT_BLANK).orNull());
        add(KeyRule.of("serve.model_name", STRING, ValueCheck.NOT_BLANK).orNull());
        add(KeyRule.of("eval.adapters", OBJECT, ValueCheck.PATH_ENTRIES));
        add(KeyRule.of("spark.master", STRING, ValueCheck.NOT_BLANK).orNull());
        add(KeyRule.of("spark.workers", INT, atLeast(0)));
        add(KeyRule.of("spark.model_path", STRING, ValueCheck.NOT_BLANK).orNull());
        add(KeyRule.of("spark.task_cpus", INT, atLeast(1)));
        add(KeyRule.of("spark.conf", OBJECT, ValueCheck.SCALAR_ENTRIES));
        add(KeyRule.of("spark.predictions_parquet", BOOLEAN));
        add(KeyRule.of("spark.connect_timeout_s", DOUBLE, greaterThan(0)));

        add(KeyRule.of("added_keys", STRING_LIST, ValueCheck.NO_BLANK_ELEMENTS));
    }

    private KeyRules() {}

    private static void add(KeyRule rule) {
        if (RULES.put(rule.key(), rule) != null) {
            throw new IllegalStateException("two rules for " + rule.key());
        }
    }

    /** The listed rules, by key. */
    static Map<String, KeyRule> table() {
        return RULES;
    }
}
