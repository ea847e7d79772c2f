package org.pefttrainer.recipes;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.pefttrainer.core.generate.GenerationSettings;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.config.LoadedConfig;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.PromptTemplate;
import org.pefttrainer.core.data.batch.Collator;
import org.pefttrainer.core.data.batch.TokenizedExample;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.train.ProgressLines;
import org.pefttrainer.core.train.ValidationLoss;
import org.pefttrainer.eval.evaluate.EvalOutput;
import org.pefttrainer.eval.evaluate.EvalResult;
import org.pefttrainer.eval.evaluate.Evaluator;
import org.pefttrainer.eval.metrics.Resampling;
import org.pefttrainer.eval.metrics.TextMetrics;
import org.pefttrainer.eval.rouge.BootstrapSettings;
import org.pefttrainer.core.model.BatchAdapters;
import org.pefttrainer.core.model.ModelHooks;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.prompt.PromptTuningConfig;

/**
 * {@code peft eval}: generates summaries for a dataset split with the base model (and the adapter in {@code adapter},
 * if any), scores them with ROUGE, and writes predictions.jsonl and rouge.json.
 */
public final class EvaluateRecipe {
    private EvaluateRecipe() {}

    /**
     * Where the two heavy parts of an evaluation run: generating every prediction, and the loss of the references.
     * {@link #LOCAL} is this process; trainer-spark runs the same batches on executors, so both give the same values.
     */
    public interface Backend {
        EvalResult generate(Evaluator evaluator, List<Example> examples, ModelSession session,
                BatchAdapters adapters, java.util.function.IntConsumer progress);

        /** The loss of {@code examples} (row i evaluated with adapter {@code rowAdapters.get(i)}). */
        ValidationLoss.Result loss(List<TokenizedExample> examples, List<String> rowAdapters, Collator collator,
                int batchSize, ModelSession session, BatchAdapters adapters);

        Backend LOCAL = new Backend() {
            @Override
            public EvalResult generate(Evaluator evaluator, List<Example> examples, ModelSession session,
                    BatchAdapters adapters, java.util.function.IntConsumer progress) {
                return evaluator.evaluate(examples, session.root(), adapters, progress);
            }

            @Override
            public ValidationLoss.Result loss(List<TokenizedExample> examples, List<String> rowAdapters,
                    Collator collator, int batchSize, ModelSession session, BatchAdapters adapters) {
                return ValidationLoss.compute(session.model(), examples, rowAdapters, collator, batchSize,
                        session.root(), adapters);
            }
        };
    }

    /** Into a new folder {@code outDir} (an existing one is refused). */
    public static EvalResult run(LoadedConfig lc, Path outDir, PrintStream out) {
        return run(lc, OutputTarget.folder(outDir, "--out", OutputTarget.Kind.EVAL, false, ConfigInputs.of(lc.settings())), out);
    }

    public static EvalResult run(LoadedConfig lc, OutputTarget target, PrintStream out) {
        return run(lc, target, out, Backend.LOCAL);
    }

    /** As {@link #run(LoadedConfig, OutputTarget, PrintStream)}, computing on {@code backend}. */
    public static EvalResult run(LoadedConfig lc, OutputTarget target, PrintStream out, Backend backend) {
        TrainerConfig cfg = lc.settings();
        Path outDir = target.path();
        try (ModelSession session = ModelSession.open(cfg)) {
            Adapter adapter = cfg.adapter().map(p -> AdapterLoader.load(p, session.model(), session.root())).orElse(null);
            ModelHooks hooks = adapter == null ? ModelHooks.NONE : adapter;
            RowAdapters rows = null;
            try {
                List<Example> examples = Datasets.read(cfg.data(), cfg.data().split(), cfg.data().subset());
                RowAdapters.check(examples, cfg.eval().adapters(), cfg.data().path().toString());
                if (RowAdapters.used(examples)) {
                    rows = RowAdapters.load(session, cfg.eval().adapters(), cfg.adapter().orElse(null));
                }
                BatchAdapters adapters = rows != null ? rows : BatchAdapters.of(hooks);
                GenerationSettings resolved = GenerationSettings.of(cfg.generation(), session.folder());
                GenerationConfig decoding = resolved.settings();
                Evaluator evaluator = evaluator(cfg, session, decoding);
                List<TokenizedExample> encoded = TaskData.encoder(session, cfg.data())
                        .encodeAll(examples);
                Preflight.generation(session, decoding, Preflight.longestPrompt(encoded, cfg.data().maxSourceLength()),
                        adapter != null && adapter.config() instanceof PromptTuningConfig p ? p.numVirtualTokens() : 0,
                        cfg.data().maxSourceLength(), "eval");
                out.printf(Locale.ROOT, "evaluating %s on %,d examples of %s (%s)%s%n%s%n",
                        session.folder().dir(), examples.size(), cfg.data().path(), cfg.data().split(),
                        adapter == null ? "" : ", adapter " + cfg.adapter().get(), resolved.describe());
                EvalResult r;
                if (ProgressLines.terminal()) {
                    try (ProgressBar bar = new ProgressBarBuilder().setTaskName("eval").setInitialMax(examples.size())
                            .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).setUnit(" ex", 1)
                            .setConsumer(new ConsoleProgressBarConsumer(System.err)).startsFrom(0, Duration.ZERO)
                            .build()) {
                        r = backend.generate(evaluator, examples, session, adapters, bar::stepTo);
                    }
                } else {
                    ProgressLines lines = new ProgressLines("eval", " examples", System.err,
                            ProgressLines.intervalSeconds(), System::nanoTime);
                    lines.start(examples.size(), 0);
                    r = backend.generate(evaluator, examples, session, adapters, n -> lines.stepTo(n, null));
                    lines.finish();
                }
                ObjectNode about = Json.MAPPER.createObjectNode();
                about.put("model", session.folder().dir().toString());
                about.put("adapter", cfg.adapter().map(Path::toString).orElse(null));
                about.put("dataset", cfg.data().path().toString());
                about.put("split", cfg.data().split());
                about.put("references", cfg.data().references());
                about.set("generation", Json.MAPPER.valueToTree(decoding));
                about.put("prompt_template", cfg.data().promptTemplate());
                about.put("max_source_length", cfg.data().maxSourceLength());
                Resampling.Estimate loss = null;
                if (cfg.eval().validationLoss()) {
                    // The loss of the reference summaries under the model: the fine-tuned row's "validation loss".
                    List<TokenizedExample> tok = encoded;
                    List<String> names = examples.stream().map(e -> e.adapter().orElse(null)).toList();
                    ValidationLoss.Result vl = backend.loss(tok, names, TaskData.collator(session, cfg.data()),
                            cfg.eval().batchSize(), session, adapters);
                    loss = Resampling.estimate(tok.size(), Resampling.ratio(vl.nllSums(), vl.tokens()), bootstrap(cfg));
                    ObjectNode l = about.putObject("loss");
                    l.put("value", loss.value()).put("low", loss.low()).put("high", loss.high());
                    ObjectNode p = about.putObject("perplexity");
                    p.put("value", Math.exp(loss.value())).put("low", Math.exp(loss.low()))
                            .put("high", Math.exp(loss.high()));
                    about.put("label_tokens", java.util.Arrays.stream(vl.tokens()).sum());
                }
                about.put("method", adapter == null ? "zero-shot" : adapter.type().peftType());
                if (r.predictions().stream().allMatch(p -> p.example().references().stream().allMatch(String::isBlank))) {
                    out.println("warning: every reference of " + cfg.data().path() + " (" + cfg.data().split()
                            + ") is empty, so every score is 0: check data.references and the dataset's columns");
                }
                target.writeFolder(tmp -> {
                    EvalOutput.write(tmp, r, cfg.eval().useStemmer(), about);
                    Files.writeString(tmp.resolve(FinetuneRecipe.SAVED_CONFIG), lc.rendered());
                });
                printSummary(r, loss, out);
                out.printf(Locale.ROOT, "%d examples in %.1fs (%.2f examples/s, %.1f generated tokens/s). Wrote %s and %s%n",
                        examples.size(), r.seconds(), examples.size() / r.seconds(), r.generatedTokens() / r.seconds(),
                        outDir.resolve(EvalOutput.PREDICTIONS), outDir.resolve(EvalOutput.METRICS));
                return r;
            } finally {
                if (rows != null) {
                    rows.close();
                }
                if (adapter != null) {
                    adapter.close();
                }
            }
        }
    }

    /** The evaluator a config describes (template, truncation, batch size, decoding, stemming, bootstrap). */
    public static Evaluator evaluator(TrainerConfig cfg, ModelSession session, GenerationConfig decoding) {
        return new Evaluator(session.model(), session.tokenizer(), PromptTemplate.of(cfg.data().promptTemplate()),
                evaluatorSettings(cfg, decoding), TaskData.chat(session, cfg.data()).orElse(null));
    }

    /** The evaluator's settings a config describes. */
    public static Evaluator.Settings evaluatorSettings(TrainerConfig cfg, GenerationConfig decoding) {
        return new Evaluator.Settings(cfg.data().maxSourceLength(), cfg.eval().batchSize(), decoding,
                cfg.eval().useStemmer(), bootstrap(cfg), TextMetrics.Family.parse(cfg.eval().metrics(), "eval.metrics"));
    }

    /** eval.bootstrap as the resampling settings (0 samples: one resample, and no interval is reported). */
    public static BootstrapSettings bootstrap(TrainerConfig cfg) {
        var b = cfg.eval().bootstrap();
        return new BootstrapSettings(b.confidence(), Math.max(1, b.samples()), (int) b.seed());
    }

    public static void printSummary(EvalResult r, Resampling.Estimate loss, PrintStream out) {
        var b = r.metrics().bootstrap();
        out.printf(Locale.ROOT, "%-12s %9s %9s %9s   (ROUGE F, BLEU 0-100, exact match 0-1; %s%% bootstrap interval,"
                + " %d resamples)%n", "metric", "value", "low", "high", trim(100 * b.confidence()), b.resamples());
        r.estimates().forEach((k, e) -> out.printf(Locale.ROOT, "%-12s %9.4f %9.4f %9.4f%n", k, e.value(), e.low(),
                e.high()));
        if (loss != null) {
            out.printf(Locale.ROOT, "%-12s %9.4f %9.4f %9.4f%n", "loss", loss.value(), loss.low(), loss.high());
            out.printf(Locale.ROOT, "%-12s %9.4f %9.4f %9.4f%n", "perplexity", Math.exp(loss.value()),
                    Math.exp(loss.low()), Math.exp(loss.high()));
        }
    }

    /** A number as written without a needless ".0" (32.0 → "32"). */
    static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
