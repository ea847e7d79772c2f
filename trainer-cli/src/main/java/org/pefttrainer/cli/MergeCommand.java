package org.pefttrainer.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.io.hf.HfCheckpointWriter;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.peft.lora.LoraWeights;
import org.pefttrainer.peft.merge.LoraMerger;
import org.pefttrainer.peft.merge.MergeInputs;
import org.pefttrainer.peft.merge.MergeVerifier;
import org.pefttrainer.peft.merge.MergedModelWriter;
import org.pefttrainer.peft.merge.WeightedAdapters;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft merge}: base model + LoRA adapter(s) → a plain Hugging Face model folder. */
@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Merges LoRA adapters into the base weights (W' = W + scaling·B·A, fp32) and writes a complete"
                + " Hugging Face model folder (sharded safetensors, config.json, tokenizer and generation files), tensor"
                + " by tensor: memory holds about one tensor plus the adapter, not the model.",
            "Several adapters (or one with a weight) are first combined as PEFT's add_weighted_adapter does"
                    + " (linear: equal ranks; cat: any ranks). Prompt-tuning adapters cannot be merged.",
            "Examples:",
            "  peft merge --base models/flan-t5-base --adapter checkpoints/run/adapter --out models/merged",
            "  peft merge --base B --adapter A1 --adapter A2 --weights 0.7,0.3 --combination cat --out M --dtype bf16"
                    + " --verify"})
public final class MergeCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--base", required = true, paramLabel = "DIR", description = "Base model folder (Hugging Face format).")
    Path base;

    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "LoRA adapter folder (PEFT format); repeat for several.")
    List<Path> adapters = new ArrayList<>();

    @Option(names = "--weights", split = ",", paramLabel = "W", description = "One weight per adapter, e.g. 0.7,0.3 (needed for several adapters).")
    List<Double> weights;

    @Option(names = "--combination", defaultValue = "linear", paramLabel = "linear|cat",
            description = "How several adapters combine (PEFT's combination_type): linear (equal ranks) or cat. Default: ${DEFAULT-VALUE}.")
    String combination;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Merged model folder to create.")
    Path out;

    @Option(names = "--dtype", paramLabel = "f32|f16|bf16",
            description = "Storage dtype of the merged weights (16-bit types round to nearest-even from the fp32 merge). Default: the base checkpoint's.")
    String dtype;

    @Option(names = "--max-shard-size", defaultValue = "2GB", paramLabel = "SIZE",
            description = "Shard the weights above this size, e.g. 500MB (default: ${DEFAULT-VALUE}).")
    String maxShardSize;

    @Option(names = "--force", description = "Replace an existing output folder that peft wrote as the same kind"
            + " (merged model, adapter; it holds " + OutputTarget.MARKER + "). Inputs and run folders are never replaced.")
    boolean force;

    @Option(names = "--verify", description = "Compare the logits of base+adapter and of the merged model on sample inputs; fail above the tolerance.")
    boolean verify;

    @Option(names = "--tolerance", paramLabel = "X",
            description = "--verify's limit on the max absolute logit difference (default: 1e-3 for f32; f16 1e-2 and bf16 8e-2 times the largest |logit|, since they round every weight).")
    Double tolerance;

    @Option(names = "--save-combined", paramLabel = "DIR", description = "Also save the combined adapter (PEFT format) here.")
    Path saveCombined;

    @Override
    public Integer call() {
        PrintWriter outw = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        if (saveCombined != null && saveCombined.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new UserException("--out and --save-combined name the same folder " + out + "; give two folders");
        }
        // Every output is checked against every input before any work (OutputTarget's rule).
        List<OutputTarget.Input> inputs = new ArrayList<>();
        inputs.add(new OutputTarget.Input("--base", base));
        adapters.forEach(a -> inputs.add(new OutputTarget.Input("--adapter", a)));
        List<OutputTarget.Input> outInputs = new ArrayList<>(inputs);
        outInputs.add(new OutputTarget.Input("--save-combined", saveCombined));
        OutputTarget outTarget = OutputTarget.folder(out, "--out", OutputTarget.Kind.MERGED_MODEL, force, outInputs);
        OutputTarget combinedTarget = null;
        if (saveCombined != null) {
            List<OutputTarget.Input> combinedInputs = new ArrayList<>(inputs);
            combinedInputs.add(new OutputTarget.Input("--out", out));
            combinedTarget = OutputTarget.folder(saveCombined, "--save-combined", OutputTarget.Kind.ADAPTER, force,
                    combinedInputs);
        }
        HfModelFolder baseFolder = HfModelFolder.open(base);
        double[] w = weights == null ? null : weights.stream().mapToDouble(Double::doubleValue).toArray();
        WeightedAdapters.Combination how = WeightedAdapters.Combination.parse(combination);
        LoraWeights adapter = MergeInputs.read(baseFolder, adapters, w, how);
        if (combinedTarget != null) {
            combinedTarget.writeFolder(adapter::save);
            outw.printf("saved the combined adapter (r=%d, scaling %s) to %s%n", adapter.config().r(),
                    adapter.scaling(), saveCombined);
        }
        DType d = dtype == null ? MergedModelWriter.storedDtype(baseFolder) : DType.parseUserName(dtype);
        if (d == null) {
            throw new UserException("--dtype " + dtype + " is not supported (f32, f16 or bf16)");
        }
        LoraMerger merger = LoraMerger.of(adapter, MergeInputs.layout(baseFolder));
        double tol = tolerance != null ? tolerance : MergeVerifier.defaultTolerance(d);
        boolean relative = tolerance == null && MergeVerifier.relativeTolerance(d);
        MergedModelWriter.Result r = MergedModelWriter.write(baseFolder, merger, outTarget, d,
                HfCheckpointWriter.parseShardSize(maxShardSize), verify ? tmp -> {
                    MergeVerifier.Verification v = MergeVerifier.verify(baseFolder, adapter, HfModelFolder.open(tmp),
                            tol, relative);
                    outw.printf(Locale.ROOT, "verify: max |logit difference| %.3g over %d logits (largest |logit| %.3g),"
                            + " allowed %.3g%s: %s%n", v.maxAbsDiff(), v.logits(), v.maxAbsLogit(), v.allowed(),
                            relative ? " (" + tol + " x largest |logit|, " + d + " rounding)" : "",
                            v.passed() ? "OK" : "FAILED");
                    outw.flush();
                    if (!v.passed()) {
                        throw new UserException("merge --verify: the merged model's logits differ from base+adapter by "
                                + String.format(Locale.ROOT, "%.3g", v.maxAbsDiff()) + " > " + String.format(Locale.ROOT,
                                "%.3g", v.allowed()) + "; nothing was written to " + out);
                    }
                } : null);
        outw.printf(Locale.ROOT, "merged %s (r=%d, scaling %s) into %d of %d tensors; wrote %s (%s, %s, %.1f MB) in"
                        + " %.1fs%n", adapters.size() == 1 && w == null ? "adapter " + adapters.get(0)
                        : adapters.size() + " adapters (" + how.peftName() + ")", adapter.config().r(), adapter.scaling(),
                r.mergedTensors().size(), r.tensors(), out, String.join(", ", r.weightFiles()), r.dtype(),
                r.weightBytes() / 1e6, (System.nanoTime() - t0) / 1e9);
        outw.flush();
        return 0;
    }
}
