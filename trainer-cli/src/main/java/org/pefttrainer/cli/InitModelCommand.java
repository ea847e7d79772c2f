package org.pefttrainer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.ModelFamily;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.io.hf.HfCheckpointWriter;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.init.ModelInitializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft init-model}: writes a randomly initialised model folder in Hugging Face format. */
@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = {"Writes a randomly initialised model folder (T5, Llama, Qwen2, GPT-2) in Hugging Face format (config.json,"
                + " model.safetensors, tokenizer.json, ...): for tests, the embedded default, and smoke-testing a setup.",
            "Examples:",
            "  peft init-model --size tiny --out /tmp/tiny-t5      (tokenizer built from the project's dialogues)",
            "  peft init-model --arch llama --config ../shared/models/smollm2-135m/config.json --out /tmp/smollm2-random",
            "  peft init-model --config ../shared/models/t5-small/config.json"
                    + " --tokenizer ../shared/models/flan-t5-small/tokenizer.json --out /tmp/t5-small-random"})
public final class InitModelCommand implements Callable<Integer> {
    /** The corpus of a tokenizer built when neither --tokenizer nor --corpus is given, under the project root. */
    static final Path DEFAULT_CORPUS = Path.of("data", "dialogues", "train.jsonl");

    @Option(names = "--arch", description = "config.json's model_type: t5 (T5, T5 v1.1, FLAN-T5), llama, mistral, qwen2,"
            + " gpt2 (default: --config's, else t5).")
    String arch;

    @Option(names = "--size", defaultValue = "tiny",
            description = "The family's preset: tiny (every family), for t5 also small (t5-small), flan-t5-small,"
                    + " flan-t5-base, flan-t5-large; other shapes come with --config (e.g."
                    + " ../shared/models/smollm2-135m/config.json). Default: ${DEFAULT-VALUE}.")
    String size;

    @Option(names = "--config", paramLabel = "config.json", description = "Take the shapes from this config.json instead of a preset.")
    Path config;

    @Option(names = "--tokenizer", paramLabel = "tokenizer.json", description = "Copy this tokenizer.json (e.g. the real T5 one).")
    Path tokenizer;

    @Option(names = "--corpus", paramLabel = "FILE", split = ",",
            description = "Build a word-level tokenizer from these text or JSONL files (used when --tokenizer is not given;"
                    + " default: the project's own dialogues, data/dialogues/train.jsonl).")
    List<Path> corpus = new ArrayList<>();

    @Option(names = "--vocab-size", defaultValue = "2000", description = "Most words in a built tokenizer (default: ${DEFAULT-VALUE}).")
    int vocabSize;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", defaultValue = "f32", description = "Storage dtype: f32, f16, bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--max-shard-size", defaultValue = "2GB",
            description = "Shard the weights above this size, e.g. 500MB (default: ${DEFAULT-VALUE}).")
    String maxShardSize;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model folder to create.")
    Path out;

    @Option(names = "--force", description = "Replace an existing model folder that init-model wrote (it holds "
            + OutputTarget.MARKER + ").")
    boolean force;

    @Override
    public Integer call() {
        if (vocabSize < 1) {
            throw new UserException("--vocab-size " + vocabSize + ": must be at least 1");
        }
        if (seed < 0) {
            throw new UserException("--seed " + seed + ": must be 0 or more");
        }
        List<OutputTarget.Input> inputs = new ArrayList<>();
        inputs.add(new OutputTarget.Input("--config", config));
        inputs.add(new OutputTarget.Input("--tokenizer", tokenizer));
        corpus.forEach(c -> inputs.add(new OutputTarget.Input("--corpus", c)));
        OutputTarget.folder(out, "--out", OutputTarget.Kind.MODEL, force, inputs); // checked before any work
        DType d = DType.parseUserName(dtype);
        if (d == null) {
            throw new UserException("--dtype " + dtype + " is not supported (f32, f16 or bf16)");
        }
        ModelInitializer.TokenizerSource tok;
        if (tokenizer != null) {
            tok = ModelInitializer.TokenizerSource.copy(tokenizer);
        } else if (!corpus.isEmpty()) {
            tok = ModelInitializer.TokenizerSource.build(corpus, vocabSize);
        } else {
            // As the embedded default does: a word-level tokenizer of the project's own dialogues.
            Path dialogues = ConfigLoader.projectRoot().resolve(DEFAULT_CORPUS);
            if (!Files.isRegularFile(dialogues)) {
                throw new UserException(dialogues + " not found (the default tokenizer corpus): give --tokenizer"
                        + " tokenizer.json to copy, or --corpus FILE to build a word-level one");
            }
            tok = ModelInitializer.TokenizerSource.build(List.of(dialogues), vocabSize);
            System.out.println("tokenizer: word-level, built from " + dialogues);
        }
        ObjectNode c = null;
        String type = arch == null ? "t5" : arch;
        if (config != null) {
            c = ModelInitializer.configFile(config);
            String own = c.path("model_type").asText();
            if (arch != null && Architectures.of(c, config) != Architectures.of(arch, "--arch")) {
                throw new UserException(config + ": model_type '" + own + "' does not match --arch " + arch);
            }
        }
        long t0 = System.nanoTime();
        long shard = HfCheckpointWriter.parseShardSize(maxShardSize);
        ObjectNode written = c != null ? ModelInitializer.initialize(out, c, tok, seed, d, shard, force)
                : ModelInitializer.initialize(out, type, size, tok, seed, d, shard, force);
        ModelFamily family = Architectures.of(written, out.resolve("config.json"));
        long params = family.layout(written, out.resolve("config.json")).parameterShapes().values().stream()
                .mapToLong(x -> { long n = 1; for (long v : x) { n *= v; } return n; }).sum();
        System.out.printf(Locale.ROOT, "wrote %s: %s (%s), vocab %d, %,d parameters (%s) in %.1fs%n", out,
                written.path("architectures").path(0).asText(written.path("model_type").asText()),
                family.describe(written, out.resolve("config.json")), written.path("vocab_size").asInt(), params, d,
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
