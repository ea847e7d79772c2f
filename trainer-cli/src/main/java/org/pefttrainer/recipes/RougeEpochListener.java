package org.pefttrainer.recipes;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.train.EpochEndListener;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.eval.evaluate.EvalOutput;
import org.pefttrainer.eval.evaluate.EvalResult;
import org.pefttrainer.eval.evaluate.Evaluator;
import org.pefttrainer.eval.report.HtmlReport;
import org.pefttrainer.eval.rouge.RougeType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ROUGE after every epoch: generates summaries for the validation subset with the adapter being trained, writes
 * eval/epoch-N/{predictions.jsonl, rouge.json} in the run folder, and returns the F-measures (and bootstrap bounds)
 * for metrics.jsonl and best-epoch selection.
 */
final class RougeEpochListener implements EpochEndListener {
    private static final Logger LOG = LoggerFactory.getLogger(RougeEpochListener.class);

    private final TrainerConfig cfg;
    private final ModelSession session;
    private final Path runDir;
    private final List<Example> examples;
    private final Evaluator evaluator;

    RougeEpochListener(TrainerConfig cfg, ModelSession session, Path runDir) {
        this.cfg = cfg;
        this.session = session;
        this.runDir = runDir;
        this.examples = Datasets.read(cfg.data(), cfg.data().validationSplit(), cfg.data().validationSubset());
        Decoding decoding = Decoding.of(cfg.generation(), session.folder());
        LOG.info("epoch-end validation " + decoding.describe());
        this.evaluator = EvaluateRecipe.evaluator(cfg, session, decoding.settings());
    }

    @Override
    public Map<String, Double> onEpochEnd(int epoch, int globalStep, Trainable trainable) {
        EvalResult r = evaluator.evaluate(examples, session.root(), trainable.linearHook(), trainable.encoderInputHook(),
                null);
        Path dir = runDir.resolve("eval").resolve("epoch-" + epoch);
        EvalOutput.write(dir, r, cfg.eval().useStemmer(), Json.MAPPER.createObjectNode()
                .put("epoch", epoch).put("step", globalStep).put("split", cfg.data().validationSplit())
                .put("model", session.folder().dir().toString()));
        Map<String, Double> m = new LinkedHashMap<>();
        for (RougeType t : RougeType.values()) {
            m.put(t.key(), r.meanF(t));
            if (cfg.eval().bootstrap().samples() > 0) {
                m.put(t.key() + "_low", r.summary().interval().get(t).low().fmeasure());
                m.put(t.key() + "_high", r.summary().interval().get(t).high().fmeasure());
            }
        }
        m.put("eval_seconds", r.seconds());
        LOG.info(String.format(Locale.ROOT, "epoch %d validation (%d examples, %.1fs): rouge1 %.4f rouge2 %.4f rougeL %.4f"
                        + " rougeLsum %.4f", epoch, examples.size(), r.seconds(), m.get("rouge1"), m.get("rouge2"),
                m.get("rougeL"), m.get("rougeLsum")));
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
