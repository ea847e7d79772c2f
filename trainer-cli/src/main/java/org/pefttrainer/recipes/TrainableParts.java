package org.pefttrainer.recipes;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.train.EpochEndListener;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.core.train.Trainer;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.prompt.PromptTuningConfig;
import org.pefttrainer.peft.prompt.SoftPrompt;

/**
 * The trainable part of a fine-tuning job, chosen by peft.method, and what goes with it: the epoch-end evaluation
 * and, at the end, keeping the best epoch's result as the run's result (eval.keep_best).
 */
public final class TrainableParts implements AutoCloseable {
    private final TrainerConfig cfg;
    private final Trainable trainable;
    private final Adapter adapter;

    private TrainableParts(TrainerConfig cfg, Trainable trainable, Adapter adapter) {
        this.cfg = cfg;
        this.trainable = trainable;
        this.adapter = adapter;
    }

    public static TrainableParts create(TrainerConfig cfg, ModelSession session) {
        String baseName = session.folder().dir().toString();
        long seed = cfg.run().seed();
        switch (cfg.peft().method()) {
            case LORA: {
                LoraConfig config = LoraConfig.fromSettings(cfg.peft().lora(), baseName);
                LoraModel lora = LoraModel.create(session.model(), config, seed, session.root());
                // what trains besides A and B is named too: it changes the size and the merge of the result
                String what = String.format(Locale.ROOT, "%s r=%d alpha=%s%s%s on %d modules%s",
                        config.useDora() ? "DoRA" : "LoRA", config.r(), EvaluateRecipe.trim(config.loraAlpha()),
                        config.useRslora() ? " (rsLoRA)" : "", config.rankPattern().isEmpty()
                        && config.alphaPattern().isEmpty() ? "" : " (per-module patterns)", lora.layers().size(),
                        lora.overrides().isEmpty() ? "" : " + " + lora.overrides().size() + " base tensors trained whole"
                        + " (bias " + config.bias() + (config.modulesToSave() == null ? ""
                        : ", modules_to_save " + config.modulesToSave()) + ")");
                return new TrainableParts(cfg, new AdapterTrainable(lora, what), lora);
            }
            case PROMPT_TUNING: {
                PromptTuningConfig config = PromptTuningConfig.fromSettings(cfg.peft().promptTuning(), baseName);
                SoftPrompt prompt = SoftPrompt.create(session.model(), config, seed, session.tokenizer()::encode,
                        session.root());
                String what = "prompt tuning, " + config.numVirtualTokens() + " virtual tokens ("
                        + config.promptTuningInit() + " init)";
                return new TrainableParts(cfg, new AdapterTrainable(prompt, what), prompt);
            }
            case FULL:
                return new TrainableParts(cfg, new FullModelTrainable(session.model(), session.configJson(), session.folder()), null);
            default:
                throw new UserException("peft.method = none has nothing to train (it is for peft eval / generate)");
        }
    }

    public Trainable trainable() {
        return trainable;
    }

    List<EpochEndListener> listeners(ModelSession session, Path runDir, EvaluateRecipe.Backend backend) {
        if (!cfg.eval().everyEpoch()) {
            return List.of();
        }
        return List.of(new EpochEvaluation(cfg, session, runDir, backend));
    }

    /** eval.keep_best: the run's adapter/ becomes the best epoch's (the last epoch's stays in the last checkpoint). */
    void finish(Trainer.Result result, Path runDir, PrintStream out) {
        Path best = runDir.resolve("best");
        if (result.adapterDir() != null && cfg.eval().keepBest() && Files.isDirectory(best)) {
            AtomicFiles.writeDirectory(result.adapterDir(), true, tmp -> {
                try (var files = Files.list(best)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        if (!f.getFileName().toString().equals("best.json")) { // best/ bookkeeping, not the adapter
                            Files.copy(f, tmp.resolve(f.getFileName()));
                        }
                    }
                }
            });
            out.println("eval.keep_best: " + result.adapterDir() + " holds the best epoch's result (see "
                    + best.resolve("best.json") + ")");
        }
    }

    @Override
    public void close() {
        if (adapter != null) {
            adapter.close();
        }
    }
}
