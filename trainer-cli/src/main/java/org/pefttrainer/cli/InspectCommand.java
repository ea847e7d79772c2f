package org.pefttrainer.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.io.safetensors.TensorInfo;
import org.pefttrainer.core.model.t5.T5Config;
import org.pefttrainer.core.model.t5.T5Loader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code peft inspect DIR}: what a model folder holds, checked against its architecture (no weights loaded). */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Prints a model folder's architecture, parameter count, dtypes on disk, shards, and the tensors"
                + " missing or unexpected for its architecture (reads headers only).")
public final class InspectCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "Hugging Face model folder.")
    Path dir;

    @Override
    public Integer call() {
        HfModelFolder folder = HfModelFolder.open(dir);
        T5Config c = T5Config.fromJson(folder.config(), folder.configFile());
        System.out.printf(Locale.ROOT, "%s: %s (model_type t5)%n", dir, folder.architecture());
        System.out.printf(Locale.ROOT, "  d_model %d, d_kv %d, heads %d, d_ff %d (%s%s), layers %d encoder / %d decoder,"
                        + " vocab %d, %s embeddings, dropout %.2f%n",
                c.dModel(), c.dKv(), c.numHeads(), c.dFf(), c.gatedAct() ? "gated-" : "", c.denseActFn(), c.numLayers(),
                c.numDecoderLayers(), c.vocabSize(), c.tieWordEmbeddings() ? "tied" : "untied", c.dropoutRate());
        try (CheckpointReader ckpt = folder.openWeights()) {
            Map<DType, Long> byDtype = new TreeMap<>();
            long params = 0;
            for (TensorInfo t : ckpt.tensors().values()) {
                byDtype.merge(t.dtype(), t.numElements(), Long::sum);
                params += t.numElements();
            }
            System.out.printf(Locale.ROOT, "  %,d parameters in %d tensors on disk; dtype: %s%n", params,
                    ckpt.tensors().size(), byDtype);
            for (SafetensorsReader f : ckpt.files()) {
                System.out.printf(Locale.ROOT, "  file %s: %d tensors%n", f.path().getFileName(), f.tensors().size());
            }
            List<List<String>> problems = T5Loader.check(ckpt, c);
            System.out.println("  missing tensors: " + (problems.get(0).isEmpty() ? "none" : problems.get(0)));
            System.out.println("  unexpected tensors: " + (problems.get(1).isEmpty() ? "none" : problems.get(1)));
        }
        System.out.println("  tokenizer.json: " + folder.tokenizerJson().map(p -> "present").orElse("MISSING"));
        System.out.println("  generation_config.json: " + folder.generationConfig().map(Object::toString).orElse("absent"));
        return 0;
    }
}
