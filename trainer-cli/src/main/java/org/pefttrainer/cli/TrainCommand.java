package org.pefttrainer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.ConfigArguments;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.config.LoadedConfig;
import org.pefttrainer.core.train.Trainer;
import org.pefttrainer.recipes.ClusterRecipes;
import org.pefttrainer.recipes.FinetuneRecipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peft train [CONFIG] [key=value ...]} and {@code peft train --resume RUN_DIR}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Fine-tunes a frozen model (T5, Llama, Mistral, Qwen2, GPT-2) with LoRA or prompt tuning (or all weights) from a config"
                + " file, with Hydra-like overrides; without CONFIG runs the embedded default (configs/default.conf).",
            "Overrides: key=value (key must exist), +key=value (add), ~key (back to the default).",
            "Examples:",
            "  peft train",
            "  peft train configs/lora-dialogsum.conf model.path=models/flan-t5-base optim.lr=3e-4",
            "  peft train --resume checkpoints/lora-dialogsum-20261126-101500",
            "  peft train configs/lora-dialogsum.conf spark.master=local[4] spark.workers=4   (Apache Spark:"
                + " data-parallel workers, docs/spark.md)"})
public final class TrainCommand implements Callable<Integer> {

    @Parameters(arity = "0..*", paramLabel = "[CONFIG] [key=value...]", description = "Config file, then overrides.")
    List<String> args = new ArrayList<>();

    @Option(names = "--resume", paramLabel = "RUN_DIR",
            description = "Continue the run in RUN_DIR from its latest checkpoint, with the config saved there.")
    Path resume;

    @Override
    public Integer call() {
        LoadedConfig config;
        if (resume != null) {
            if (!args.isEmpty()) {
                throw new UserException("--resume takes the config saved in the run folder; drop " + args);
            }
            Path saved = resume.resolve(FinetuneRecipe.SAVED_CONFIG);
            if (!Files.isRegularFile(saved)) {
                throw new UserException(resume + ": not a run folder (no " + FinetuneRecipe.SAVED_CONFIG + "; a run"
                        + " stopped before it saved its config has nothing to resume: run the original train command"
                        + " again)");
            }
            config = ConfigLoader.load(saved, List.of());
        } else {
            config = ConfigArguments.split(args).load();
        }
        Trainer.Result r = ClusterRecipes.wanted(config) ? ClusterRecipes.find().train(config, resume, System.out)
                : FinetuneRecipe.run(config, resume, System.out);
        switch (r.outcome()) {
            case NONFINITE:
                throw new UserException(r.message());
            case INTERRUPTED:
                return 130; // the recipe printed where to resume from
            default:
                return 0;
        }
    }
}
