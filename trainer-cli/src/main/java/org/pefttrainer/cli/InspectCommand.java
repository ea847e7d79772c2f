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
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.ModelFamily;
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
        ModelFamily family = Architectures.of(folder.config(), folder.configFile());
        System.out.printf(Locale.ROOT, "%s: %s (model_type %s, %s)%n", dir, folder.architecture(), type, family.taskType().shortName());
        System.out.println("  " + family.describe(folder.config(), folder.configFile()));
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
