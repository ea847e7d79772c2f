package org.pefttrainer.core.config;

import org.pefttrainer.core.generate.GenerationKey;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds the typed {@link TrainerConfig} from a validated config. Records which keys it read, so a test can check
 * that every key of base.conf reaches the typed view.
 */
final class TrainerConfigBinder {
    private final Config c;
    private final Set<String> read = new TreeSet<>();

    TrainerConfigBinder(Config validated) {
        this.c = validated;
    }

    /** Keys read so far. */
    Set<String> keysRead() {
        return read;
    }

    TrainerConfig bind() {
        read.add("added_keys"); // only the validator needs it
        return new TrainerConfig(
                new RunConfig(string("run.name"), path("run.output_dir"), getLong("run.seed"), tags()),
                enumOf(TrainerConfig.Device.class, "device"),
                model(),
                optionalString("adapter").map(Path::of),
                peft(),
                data(),
                train(),
                optim(),
                eval(),
                generation(),
                serve(),
                spark());
    }

    private ModelConfig model() {
        return new ModelConfig(
                path("model.path"),
                bool("model.init_if_missing"),
                new ModelConfig.ModelInitConfig(
                        string("model.init.arch"), string("model.init.size"), path("model.init.tokenizer_corpus")),
                isNull("model.dropout") ? OptionalDouble.empty() : OptionalDouble.of(getDouble("model.dropout")),
                enumOf(ModelConfig.Dtype.class, "model.dtype"),
                plainObject("model.config_overrides"));
    }

    /** The two method sections as validated config: trainer-peft reads them into its own config types. */
    private PeftConfig peft() {
        for (String section : List.of("peft.lora", "peft.prompt_tuning")) {
            c.getObject(section).keySet().forEach(k -> read.add(section + "." + k));
        }
        return new PeftConfig(enumOf(PeftConfig.Method.class, "peft.method"), c.getConfig("peft.lora"),
                c.getConfig("peft.prompt_tuning"));
    }

    private DataConfig data() {
        return new DataConfig(
                enumOf(DataConfig.Format.class, "data.format"),
                path("data.path"),
                string("data.train_split"),
                string("data.validation_split"),
                string("data.split"),
                string("data.prompt_template"),
                getInt("data.max_source_length"),
                getInt("data.max_target_length"),
                getInt("data.train_subset"),
                getInt("data.validation_subset"),
                getInt("data.subset"),
                getLong("data.subset_seed"),
                string("data.references"),
                bool("data.chat"),
                optionalString("data.chat_template"));
    }

    private TrainConfig train() {
        int maxSteps = getInt("train.max_steps");
        return new TrainConfig(
                isNull("train.epochs") ? OptionalInt.empty() : OptionalInt.of(getInt("train.epochs")),
                maxSteps == -1 ? OptionalInt.empty() : OptionalInt.of(maxSteps),
                getInt("train.batch_size"),
                getInt("train.grad_accum_steps"),
                getDouble("train.max_grad_norm"),
                getInt("train.log_every"),
                bool("train.bucket_by_length"),
                new TrainConfig.NonFiniteConfig(
                        enumOf(TrainConfig.Policy.class, "train.nonfinite.policy"),
                        getInt("train.nonfinite.max_skips")),
                bool("train.checkpoint_every_epoch"),
                getInt("train.keep_checkpoints"),
                getInt("train.checkpoint_every_steps"),
                bool("train.gradient_checkpointing"));
    }

    private OptimConfig optim() {
        read.add("optim.betas");
        List<Double> betas = c.getDoubleList("optim.betas");
        return new OptimConfig(
                enumOf(OptimConfig.Optimizer.class, "optim.name"),
                getDouble("optim.lr"),
                getDouble("optim.weight_decay"),
                betas.get(0),
                betas.get(1),
                getDouble("optim.eps"),
                new ScheduleConfig(
                        enumOf(ScheduleConfig.Kind.class, "optim.schedule.name"),
                        getInt("optim.schedule.warmup_steps"),
                        getDouble("optim.schedule.warmup_ratio"),
                        getDouble("optim.schedule.final_lr")));
    }

    private EvalConfig eval() {
        return new EvalConfig(
                bool("eval.every_epoch"),
                getInt("eval.batch_size"),
                enumOf(EvalConfig.Metric.class, "eval.metric"),
                stringList("eval.metrics"),
                bool("eval.validation_loss"),
                bool("eval.use_stemmer"),
                getInt("eval.early_stopping_patience"),
                bool("eval.keep_best"),
                new EvalConfig.BootstrapConfig(
                        getInt("eval.bootstrap.samples"),
                        getLong("eval.bootstrap.seed"),
                        getDouble("eval.bootstrap.confidence")),
                bool("eval.report"),
                getInt("eval.sample_predictions"),
                evalAdapters());
    }

    private Map<String, Path> evalAdapters() {
        Map<String, Path> adapters = new TreeMap<>();
        plainObject("eval.adapters").forEach((name, folder) -> adapters.put(name, Path.of((String) folder)));
        return adapters;
    }

    /**
     * The set generation keys as the one key table types them ({@link GenerationKey}): unset (null) keys are left
     * out, so that the model folder's generation_config.json and transformers' defaults decide them.
     */
    private java.util.Map<GenerationKey, Object> generation() {
        java.util.Map<GenerationKey, Object> set = new java.util.LinkedHashMap<>();
        for (GenerationKey k : GenerationKey.values()) {
            String key = "generation." + k.key();
            if (!c.hasPathOrNull(key)) {
                continue; // not a config key (do_sample, ignore_eos)
            }
            read.add(key);
            if (!c.getIsNull(key)) {
                set.put(k, k.read(org.pefttrainer.core.io.Json.MAPPER.valueToTree(c.getValue(key).unwrapped())));
            }
        }
        return set;
    }

    /** A nullable key: empty when null. */
    private <T> Optional<T> optional(String key, java.util.function.Function<String, T> get) {
        read.add(key);
        return c.getIsNull(key) ? Optional.empty() : Optional.of(get.apply(key));
    }

    private ServeConfig serve() {
        Map<String, Path> adapters = new TreeMap<>();
        plainObject("serve.adapters").forEach((name, folder) -> adapters.put(name, Path.of((String) folder)));
        return new ServeConfig(
                string("serve.host"),
                getInt("serve.port"),
                getInt("serve.max_batch_size"),
                getInt("serve.batch_wait_ms"),
                adapters,
                getInt("serve.max_body_bytes"),
                getInt("serve.max_new_tokens"),
                getInt("serve.max_queue"),
                Math.round(getDouble("serve.request_timeout_s") * 1000),
                bool("serve.allow_adapter_changes"),
                optionalString("serve.token"),
                optionalString("serve.model_name"));
    }

    private SparkConfig spark() {
        Map<String, String> conf = new TreeMap<>();
        plainObject("spark.conf").forEach((k, v) -> conf.put(k, String.valueOf(v)));
        return new SparkConfig(
                optionalString("spark.master").filter(m -> !m.isBlank()),
                getInt("spark.workers"),
                optionalString("spark.model_path").filter(m -> !m.isBlank()).map(Path::of),
                getInt("spark.task_cpus"),
                conf,
                bool("spark.predictions_parquet"),
                getDouble("spark.connect_timeout_s"));
    }

    private Map<String, String> tags() {
        Map<String, String> tags = new TreeMap<>();
        read.add("run.tags");
        for (Map.Entry<String, ConfigValue> e : c.getObject("run.tags").entrySet()) {
            tags.put(e.getKey(), Values.text(e.getValue()));
        }
        return tags;
    }

    /** An open section's entries as plain Java values (null values kept). */
    private Map<String, Object> plainObject(String key) {
        read.add(key);
        ConfigObject o = c.getObject(key);
        Map<String, Object> out = new LinkedHashMap<>();
        new TreeSet<>(o.keySet()).forEach(k -> out.put(k, o.get(k).unwrapped()));
        return out;
    }

    private String string(String key) {
        read.add(key);
        return c.getString(key);
    }

    private Optional<String> optionalString(String key) {
        read.add(key);
        return c.getIsNull(key) ? Optional.empty() : Optional.of(c.getString(key));
    }

    private List<String> stringList(String key) {
        read.add(key);
        return List.copyOf(c.getStringList(key));
    }

    private Path path(String key) {
        return Path.of(string(key));
    }

    private boolean bool(String key) {
        read.add(key);
        return c.getBoolean(key);
    }

    private int getInt(String key) {
        read.add(key);
        return c.getInt(key);
    }

    private long getLong(String key) {
        read.add(key);
        return c.getLong(key);
    }

    private double getDouble(String key) {
        read.add(key);
        return c.getDouble(key);
    }

    private boolean isNull(String key) {
        read.add(key);
        return c.getIsNull(key);
    }

    private <E extends Enum<E> & ConfigEnum> E enumOf(Class<E> type, String key) {
        return ConfigEnum.parse(type, string(key).trim());
    }
}
