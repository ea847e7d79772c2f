package org.pefttrainer.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.pefttrainer.core.config.ConfigArguments;
import org.pefttrainer.core.config.LoadedConfig;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.recipes.ConfigInputs;
import org.pefttrainer.recipes.ClusterRecipes;
import org.pefttrainer.recipes.EvaluateRecipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peft eval [CONFIG] [key=value ...] [--out DIR]}. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Generates summaries for data.split (with the adapter in `adapter`, if set) and scores them with"
                + " ROUGE (equal to rouge_score): writes predictions.jsonl and rouge.json.",
            "Examples:",
            "  peft eval configs/lora-dialogsum.conf model.path=models/flan-t5-base adapter=checkpoints/RUN/adapter",
            "  peft eval configs/lora-samsum.conf data.split=test generation.strategy=beam data.subset=100",
            "  peft eval configs/lora-samsum.conf adapter=RUN/adapter spark.master=spark://head:7077   (Apache Spark:"
                + " the batches on executors, docs/spark.md)"})
public final class EvalCommand implements Callable<Integer> {

    @Parameters(arity = "0..*", paramLabel = "[CONFIG] [key=value...]", description = "Config file, then overrides.")
    List<String> args = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output folder (default: <run.output_dir>/eval-<run.name>).")
    Path out;

    @Option(names = "--force", description = "Replace an existing eval output folder (one peft eval wrote: it holds "
            + OutputTarget.MARKER + "); run folders, inputs and other folders are never replaced.")
    boolean force;

    @Override
    public Integer call() {
        LoadedConfig config = ConfigArguments.split(args).load();
        Path dir = out != null ? out
                : config.settings().run().outputDir().resolve("eval-" + config.settings().run().name());
        // Checked before the model loads and any example is generated.
        OutputTarget target = OutputTarget.folder(dir, "--out", OutputTarget.Kind.EVAL, force,
                ConfigInputs.of(config.settings()));
        if (ClusterRecipes.wanted(config)) {
            ClusterRecipes.find().eval(config, target, System.out);
        } else {
            EvaluateRecipe.run(config, target, System.out);
        }
        return 0;
    }
}
