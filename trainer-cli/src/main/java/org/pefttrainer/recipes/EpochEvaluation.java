package org.pefttrainer.recipes;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.pefttrainer.core.generate.GenerationSettings;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.batch.Collator;
import org.pefttrainer.core.data.batch.TokenizedExample;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.train.EpochEndListener;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.core.model.BatchAdapters;
import org.pefttrainer.core.train.ValidationLoss;
import org.pefttrainer.eval.evaluate.EvalOutput;
import org.pefttrainer.eval.evaluate.EvalResult;
import org.pefttrainer.eval.evaluate.Evaluator;
import org.pefttrainer.eval.metrics.Resampling;
import org.pefttrainer.eval.report.HtmlReport;
import org.pefttrainer.eval.rouge.BootstrapSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validation after every epoch: generates summaries for the validation subset with the adapter being trained
 * and scores them (ROUGE, BLEU, exact match, as eval.metrics says), computes the loss and perplexity of the
 * reference summaries (eval.validation_loss), writes eval/epoch-N/{predictions.jsonl, metrics.json, rouge.json} in
 * the run folder, and returns every value with its bootstrap bounds for metrics.jsonl and best-epoch selection.
 */
final class EpochEvaluation implements EpochEndListener {
    private static final Logger LOG = LoggerFactory.getLogger(EpochEvaluation.class);

    private final TrainerConfig cfg;
    private final ModelSession session;
    private final Path runDir;
    private final List<Example> examples;
    private final Evaluator evaluator;
    private final List<TokenizedExample> tokenized;
    private final Collator collator;
    private final EvaluateRecipe.Backend backend;

    /** {@code backend}: where the generation and loss batches run (this process, or Spark executors). */
    EpochEvaluation(TrainerConfig cfg, ModelSession session, Path runDir, EvaluateRecipe.Backend backend) {
        this.backend = backend;
        this.cfg = cfg;
        this.session = session;
        this.runDir = runDir;
        this.examples = Datasets.read(cfg.data(), cfg.data().validationSplit(), cfg.data().validationSubset());
        GenerationSettings decoding = GenerationSettings.of(cfg.generation(), session.folder());
        LOG.info("epoch-end validation " + decoding.describe());
        this.evaluator = EvaluateRecipe.evaluator(cfg, session, decoding.settings());
        List<TokenizedExample> encoded = TaskData.encoder(session, cfg.data()).encodeAll(examples);
        // Refused now what would fail at the first epoch's end, after the epoch's training.
        Preflight.generation(session, decoding.settings(),
                Preflight.longestPrompt(encoded, cfg.data().maxSourceLength()), Preflight.virtualTokens(cfg),
                cfg.data().maxSourceLength(), "epoch-end evaluation");
        this.tokenized = cfg.eval().validationLoss() ? encoded : null;
        this.collator = TaskData.collator(session, cfg.data());
    }

    @Override
    public Map<String, Double> onEpochEnd(int epoch, int globalStep, Trainable trainable) {
        BatchAdapters adapters = BatchAdapters.of(trainable);
        EvalResult r = backend.generate(evaluator, examples, session, adapters, null);
        Path dir = runDir.resolve("eval").resolve("epoch-" + epoch);
        EvalOutput.write(dir, r, cfg.eval().useStemmer(), Json.MAPPER.createObjectNode()
                .put("epoch", epoch).put("step", globalStep).put("split", cfg.data().validationSplit())
                .put("model", session.folder().dir().toString()));
        Map<String, Double> m = new LinkedHashMap<>();
        boolean intervals = cfg.eval().bootstrap().samples() > 0;
        r.estimates().forEach((k, e) -> {
            m.put(k, e.value());
            if (intervals && e.hasInterval()) {
                m.put(k + "_low", e.low());
                m.put(k + "_high", e.high());
            }
        });
        StringBuilder line = new StringBuilder();
        r.estimates().forEach((k, e) -> line.append(' ').append(k).append(String.format(Locale.ROOT, " %.4f", e.value())));
        if (tokenized != null) {
            List<String> runsAdapter = java.util.Collections.nCopies(tokenized.size(), null);
            ValidationLoss.Result vl = backend.loss(tokenized, runsAdapter, collator, cfg.eval().batchSize(), session,
                    adapters);
            var b = cfg.eval().bootstrap();
            Resampling.Estimate loss = Resampling.estimate(tokenized.size(), Resampling.ratio(vl.nllSums(), vl.tokens()),
                    new BootstrapSettings(b.confidence(), Math.max(1, b.samples()), (int) b.seed()));
            m.put("val_loss", loss.value());
            m.put("perplexity", Math.exp(loss.value()));
            if (intervals) {
                m.put("val_loss_low", loss.low());
                m.put("val_loss_high", loss.high());
                m.put("perplexity_low", Math.exp(loss.low()));
                m.put("perplexity_high", Math.exp(loss.high()));
            }
            line.append(String.format(Locale.ROOT, " val_loss %.4f perplexity %.2f", loss.value(), Math.exp(loss.value())));
        }
        m.put("eval_seconds", r.seconds());
        LOG.info(String.format(Locale.ROOT, "epoch %d validation (%d examples, %.1fs):%s", epoch, examples.size(),
                r.seconds(), line));
        int shown = Math.min(3, r.predictions().size());
        for (int i = 0; i < shown; i++) {
            LOG.info("  sample {}: {}", r.predictions().get(i).example().id(), r.predictions().get(i).prediction());
        }
        return m;
    }

    @Override
    public void afterEpochLogged(int epoch) {
        if (cfg.eval().report()) {
            HtmlReport.write(runDir, cfg.eval().samplePredictions());
        }
    }
}
