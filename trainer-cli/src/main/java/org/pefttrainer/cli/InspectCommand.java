package org.pefttrainer.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.hf.VocabularyCheck;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.io.safetensors.TensorInfo;
import org.pefttrainer.core.model.Architectures;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.t5.T5Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code peft inspect DIR}: what a model folder holds, checked against its architecture (no weights loaded). */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Prints a model folder's architecture (T5, Llama, Qwen2, Mistral, GPT-2), parameter count, dtypes"
                + " on disk, shards, and the tensors missing or unexpected for its architecture (reads headers only).")
public final class InspectCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "Hugging Face model folder.")
    Path dir;

    @Override
    public Integer call() {
        HfModelFolder folder = HfModelFolder.open(dir);
        String type = folder.config().path("model_type").asText("");
        Architectures.Family family = Architectures.of(folder.config(), folder.configFile());
        System.out.printf(Locale.ROOT, "%s: %s (model_type %s, %s)%n", dir, folder.architecture(), type, family.task());
        T5Config c = type.equals("t5") ? T5Config.fromJson(folder.config(), folder.configFile()) : null;
        if (c != null) {
            System.out.printf(Locale.ROOT, "  d_model %d, d_kv %d, heads %d, d_ff %d (%s%s), layers %d encoder / %d decoder,"
                            + " vocab %d, %s embeddings, dropout %.2f%n",
                    c.dModel(), c.dKv(), c.numHeads(), c.dFf(), c.gatedAct() ? "gated-" : "", c.denseActFn(), c.numLayers(),
                    c.numDecoderLayers(), c.vocabSize(), c.tieWordEmbeddings() ? "tied" : "untied", c.dropoutRate());
        }
        ModelLayout layout = family.layout(folder.config(), folder.configFile());
        long expectedParams = layout.parameterShapes().values().stream()
                .mapToLong(s -> { long n = 1; for (long x : s) { n *= x; } return n; }).sum();
        System.out.printf(Locale.ROOT, "  %,d parameters by config.json, %d linear modules (%s ... %s)%n", expectedParams,
                layout.linearModules().size(), layout.linearModules().get(0),
                layout.linearModules().get(layout.linearModules().size() - 1));
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
            List<List<String>> problems = family.check(ckpt, folder.config(), folder.configFile());
            System.out.println("  missing tensors: " + (problems.get(0).isEmpty() ? "none" : problems.get(0)));
            System.out.println("  unexpected tensors: " + (problems.get(1).isEmpty() ? "none" : problems.get(1)));
        }
        System.out.println("  tokenizer.json: " + folder.tokenizerJson().map(p -> "present").orElse("MISSING"));
        List<String> vocabulary = VocabularyCheck.problems(folder);
        System.out.println("  token ids within vocab_size: " + (vocabulary.isEmpty() ? "yes"
                : "NO: " + String.join("; ", vocabulary)));
        System.out.println("  generation_config.json: " + folder.generationConfig().map(Object::toString).orElse("absent"));
        return 0;
    }
}
